"""One sync pass: push the outbox to the platform, learn its clock, refresh reference data.

Each batch is marked "sending" before it leaves. The platform answers per
item: accepted or duplicate is acknowledged, refused is quarantined with the
platform's reason, and anything unanswered goes back to pending. A failed
request puts its batch back to pending. Nothing is deleted here but personal
data past its retention (``Outbox.purge``).

With ``FleetReporting`` given, each pass that reached the platform ends with the kiosk's
report for the fleet view (``contracts.wire.KioskReport``: queue, devices, outages, its
clock, the last round trip). The report is a side line: its failure is a value in the
pass's ``SyncReport.fleet_error``, logged as a code when it changes, and never fails or
slows the drain (it is sent after it).
"""

from __future__ import annotations

import logging
import sqlite3
import ssl
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import httpx
from pydantic import ValidationError

from contracts.clock import Clock
from contracts.wire import (
    BATCH_PATH,
    HEALTH_PATH,
    KIOSK_REPORT_PATH,
    Batch,
    BatchResult,
    KioskReport,
    Transaction,
)
from offline_cache.disk_space import DiskFull, is_disk_full
from offline_cache.kiosk_state import KioskStateStore
from offline_cache.outbox import Outbox
from offline_cache.platform_http import ResponseTooLarge, retry_after_s
from offline_cache.reference_cache import ReferenceCache
from offline_cache.sync_errors import SyncError

log = logging.getLogger(__package__)


class Link(StrEnum):
    ONLINE = "online"  # the platform answered as it should
    SERVER_ERROR = "server_error"  # reached, but it failed (5xx, a malformed answer)
    UNREACHABLE = "unreachable"  # no connection, or no answer in time


@dataclass(frozen=True, slots=True)
class SyncReport:
    link: Link
    acknowledged: int = 0
    quarantined: int = 0
    error: str = ""
    reference_updated: tuple[str, ...] = ()
    purged: int = 0
    # The platform said "too many requests" (429): wait at least this long before the
    # next pass (its Retry-After), whatever the backoff says.
    retry_after_s: float | None = None
    # The fleet view's report: sent this pass, or why not (a SyncError code; "" and
    # reported False when there was none to send: no FleetReporting, or unreachable).
    reported: bool = False
    fleet_error: str = ""

    @property
    def online(self) -> bool:
        return self.link is Link.ONLINE


@dataclass(frozen=True, slots=True)
class SyncSettings:
    batch_size: int = 50
    retention: timedelta = timedelta(days=7)
    # How often reference data is checked for new versions (a cheap request).
    reference_interval_s: float = 300.0
    # A long drain (thousands queued after a day offline) reports this often too, so the
    # fleet view does not call a kiosk stale while it uploads.
    fleet_report_interval_s: float = 30.0


@dataclass(frozen=True, slots=True)
class FleetReporting:
    """What the fleet report reads besides the outbox: the devices and outages the kiosk
    keeps in its store, and the kiosk's software version."""

    state: KioskStateStore
    software: str = ""


class _Failed(Exception):
    def __init__(self, link: Link, error: str, retry_after: float | None = None) -> None:
        super().__init__(error)
        self.link = link
        self.error = error
        self.retry_after = retry_after


@dataclass
class _Pass:
    acknowledged: int = 0
    quarantined: int = 0
    sent: int = 0


class SyncEngine:
    def __init__(self, outbox: Outbox, client: httpx.Client, clock: Clock,
                 settings: SyncSettings, references: ReferenceCache | None = None,
                 fleet: FleetReporting | None = None) -> None:
        self._outbox = outbox
        self._client = client
        self._clock = clock
        self._settings = settings
        self._references = references
        self._next_reference_check: float | None = None  # monotonic; None: check on the first pass
        self._last_link: Link | None = None
        self._fleet = fleet
        self._last_rtt_ms: int | None = None  # the last request's round trip
        self._last_fleet_error: str | None = None  # None: no report tried yet
        self._last_report_at: float | None = None  # monotonic, the last report tried

    def sync_once(self) -> SyncReport:
        """Drain what can be drained now; never raises for network or server trouble."""
        report = self._pass()
        if self._fleet is not None and self._reached(report):
            error = self._send_fleet_report(self._fleet)
            report = replace(report, reported=not error, fleet_error=error)
            self._log_fleet(error)
        self._log(report)
        return report

    @staticmethod
    def _reached(report: SyncReport) -> bool:
        """Whether a report may go out after this pass: the platform answered, and did
        not ask the kiosk to wait (429)."""
        return report.link is not Link.UNREACHABLE and report.retry_after_s is None

    def _log_fleet(self, error: str) -> None:
        """The report's trouble as its code, once when it starts and once when it ends."""
        if error == self._last_fleet_error:
            return
        if error:
            log.warning("fleet report not sent: %s (the outbox drains regardless)", error)
        elif self._last_fleet_error:
            log.info("fleet report sent again")
        self._last_fleet_error = error

    def _send_fleet_report(self, fleet: FleetReporting) -> str:
        """Compose and post the kiosk's report: "" when the platform took it, else why not
        (a code with no personal data). Never raises: the drain is done already and the
        loop must go on whatever happens here."""
        self._last_report_at = self._clock.monotonic()
        try:
            summary = self._outbox.summary()
            oldest = (None if summary.oldest_pending is None
                      else datetime.fromisoformat(summary.oldest_pending))
            report = KioskReport(sent_at=self._clock.now(), last_rtt_ms=self._last_rtt_ms,
                                 queue_length=summary.pending, oldest_queued_at=oldest,
                                 devices=fleet.state.devices(), outages=fleet.state.outages(),
                                 software=fleet.software)
            self._request("POST", KIOSK_REPORT_PATH, json=report.model_dump(mode="json"))
        except _Failed as failed:
            return failed.error
        except Exception as exc:  # noqa: BLE001 - the store, a model, a disk: a value
            return SyncError.KIOSK_FAULT.with_detail(type(exc).__name__)
        return ""

    def _log(self, report: SyncReport) -> None:
        """Counts only; a quiet pass is logged only when the link changed."""
        changed, self._last_link = report.link is not self._last_link, report.link
        moved = report.acknowledged or report.quarantined or report.purged
        if not (changed or moved or report.reference_updated):
            return
        level = logging.INFO if report.online else logging.WARNING
        log.log(level, "sync pass: %s; %d accepted, %d quarantined, %d purged%s%s",
                report.link, report.acknowledged, report.quarantined, report.purged,
                f"; reference data {', '.join(report.reference_updated)}"
                if report.reference_updated else "",
                f"; {report.error}" if report.error else "")

    def _pass(self) -> SyncReport:
        done = _Pass()
        try:
            try:
                self._push(done)
                if done.sent == 0:
                    self._probe()  # nothing to send: still learn the link and the clock
                updated = self._refresh_references()
            except _Failed as failed:
                self._note_sync(False, failed.error)
                return SyncReport(failed.link, done.acknowledged, done.quarantined,
                                  failed.error, retry_after_s=failed.retry_after)
            self._note_sync(True)
            purged = self._outbox.purge(self._settings.retention)
        except (DiskFull, sqlite3.OperationalError) as exc:
            if not is_disk_full(exc) and not isinstance(exc, DiskFull):
                raise
            # Not the platform's fault, but this pass cannot go on: staff must free space.
            # What was acknowledged before is kept (each write is its own transaction).
            self._note_sync(False, SyncError.DISK_FULL)
            return SyncReport(Link.SERVER_ERROR, done.acknowledged, done.quarantined,
                              SyncError.DISK_FULL)
        return SyncReport(Link.ONLINE, done.acknowledged, done.quarantined,
                          reference_updated=updated, purged=purged)

    def _note_sync(self, success: bool, error: str = "") -> None:
        try:
            self._outbox.note_sync(success, error)
        except DiskFull:
            pass  # the pass's own report says it; the next pass writes it when it can

    def probe(self) -> Link:
        """The connectivity monitor's question: is the platform there? (Learns its clock too.)"""
        try:
            self._probe()
        except _Failed as failed:
            return failed.link
        return Link.ONLINE

    # -- the parts of a pass ----------------------------------------------------
    def _push(self, done: _Pass) -> None:
        while True:
            batch, unreadable = self._outbox.claim_counted(self._settings.batch_size)
            done.quarantined += unreadable  # unreadable rows are quarantined at the claim
            if not batch:
                if unreadable:
                    continue  # a whole claim of unreadable rows: the rest may be fine
                return
            done.sent += len(batch)
            try:
                body = Batch(transactions=[tx.model_dump(mode="json") for tx in batch])
                answer = self._request("POST", BATCH_PATH, json=body.model_dump(mode="json"))
                unanswered = self._settle(batch, answer, done)
            except BaseException as exc:  # also a kill of the thread: the batch goes back
                error = exc.error if isinstance(exc, _Failed) else \
                    SyncError.KIOSK_FAULT.with_detail(type(exc).__name__)
                try:
                    self._outbox.release([tx.id for tx in batch], error)
                except DiskFull:
                    pass  # left "sending": the next start puts them back (Outbox.recover)
                raise
            if unanswered:
                return  # the platform left some unanswered: they wait for the next pass
            self._report_during_drain()

    def _report_during_drain(self) -> None:
        """Between batches of a long drain, the fleet report when it is due (its outcome
        is logged; the pass's own report at the end says the last word)."""
        if self._fleet is None:
            return
        now = self._clock.monotonic()
        if self._last_report_at is None:
            self._last_report_at = now  # the first pass since start: due an interval on
        if now - self._last_report_at < self._settings.fleet_report_interval_s:
            return
        self._log_fleet(self._send_fleet_report(self._fleet))

    def _settle(self, batch: list[Transaction], answer: dict[str, Any], done: _Pass) -> int:
        try:
            result = BatchResult.model_validate(answer)
        except ValidationError as exc:
            raise _Failed(Link.SERVER_ERROR, SyncError.MALFORMED) from exc
        received_at = result.received_at.isoformat()
        outcome = {r.id: (r.status, r.reason) for r in result.results}
        accepted, unanswered = [], []
        for tx in batch:  # only ids we sent: an answer about any other id is ignored
            status, reason = outcome.get(tx.id, ("", ""))
            if status in ("accepted", "duplicate"):
                accepted.append(tx.id)
            elif status == "refused":
                self._outbox.quarantine(tx.id, reason or SyncError.REFUSED)
                done.quarantined += 1
            else:
                unanswered.append(tx.id)
        self._outbox.acknowledge(accepted, received_at)
        done.acknowledged += len(accepted)
        if unanswered:
            self._outbox.release(unanswered, SyncError.UNANSWERED)
        return len(unanswered)

    def _probe(self) -> None:
        self._request("GET", HEALTH_PATH)

    def _refresh_references(self) -> tuple[str, ...]:
        now = self._clock.monotonic()
        if self._references is None or (self._next_reference_check is not None
                                        and now < self._next_reference_check):
            return ()
        try:
            report = self._references.refresh(self._client)
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            raise _Failed(*_classify(exc)) from exc
        self._next_reference_check = now + self._settings.reference_interval_s
        return report.updated

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """One request; the platform's clock is read off its answer (``time`` or
        ``received_at``) and the kiosk's offset from it recorded, half the round trip
        allowed for."""
        sent_at, start = self._clock.now(), self._clock.monotonic()
        try:
            response = self._client.request(method, path, **kwargs)
            response.raise_for_status()
            answer = response.json()
            if not isinstance(answer, dict):
                raise ValueError("not an object")
        except (httpx.HTTPError, ValueError) as exc:
            raise _Failed(*_classify(exc)) from exc
        trip_s = self._clock.monotonic() - start
        self._last_rtt_ms = max(0, round(trip_s * 1000))
        half_trip = timedelta(seconds=trip_s / 2)
        stamp = answer.get("time") or answer.get("received_at")
        if isinstance(stamp, str):
            try:
                platform_time = datetime.fromisoformat(stamp)
            except ValueError:
                platform_time = None
            if platform_time is not None and platform_time.tzinfo is not None:
                offset = (sent_at + half_trip - platform_time).total_seconds()
                self._outbox.note_clock(offset, sent_at)
        return answer


def _certificate_refused(exc: BaseException) -> bool:
    """Whether a connection failed on the platform's certificate (the CA, the host name
    or a pin: wiring/tls.py logs which)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return "CERTIFICATE_VERIFY_FAILED" in str(exc)


def _classify(exc: Exception) -> tuple[Link, str, float | None]:
    if isinstance(exc, httpx.HTTPStatusError) and exc.response.status_code == 429:
        # Rate-limited: "try again later", never "the request is wrong".
        wait = retry_after_s(exc.response.headers.get("retry-after"))
        return Link.SERVER_ERROR, SyncError.RATE_LIMITED.with_detail(f"{wait:.0f}"), wait
    if isinstance(exc, httpx.HTTPStatusError):
        return (Link.SERVER_ERROR,
                SyncError.HTTP_STATUS.with_detail(exc.response.status_code), None)
    if isinstance(exc, ResponseTooLarge):
        return Link.SERVER_ERROR, SyncError.TOO_LARGE, None
    if isinstance(exc, httpx.TimeoutException):
        return Link.UNREACHABLE, SyncError.TIMEOUT, None
    if isinstance(exc, httpx.ConnectError) and _certificate_refused(exc):
        # Reached, but not the platform it should be: a setup fault, not the link.
        return Link.UNREACHABLE, SyncError.TLS, None
    if isinstance(exc, httpx.ConnectError):
        return Link.UNREACHABLE, SyncError.UNREACHABLE, None
    if isinstance(exc, httpx.HTTPError):
        # A connection dropped mid-answer (RemoteProtocolError, ReadError...).
        return (Link.UNREACHABLE,
                SyncError.CONNECTION_FAILED.with_detail(type(exc).__name__), None)
    return Link.SERVER_ERROR, SyncError.MALFORMED, None
