"""The sync's report to the fleet view, against a real platform: each pass that reached
the platform ends with the kiosk's queue, devices and outages; a report the platform
cannot take never stops the outbox draining and logs only its code."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from contracts.clock import FakeClock
from contracts.wire import BATCH_PATH, KIOSK_REPORT_PATH, DeviceReport, Outage
from offline_cache.kiosk_state import KioskStateStore
from offline_cache.outbox import Outbox, State
from offline_cache.sealing import DataCipher
from offline_cache.store import open_store
from offline_cache.sync import FleetReporting, Link, SyncEngine, SyncSettings
from server.embedded import EmbeddedPlatform
from server.fleet import FLEET_PATH
from tests.support.loopback import free_port
from tests.support.platform_access import application_payload, bearer

PERSON = application_payload("310104198506121230")
NOTE = "张伟 asked for paper"  # staff's free text: shown to staff, never logged
START = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


class FailingPath(httpx.BaseTransport):
    """The real platform over a real socket, but ``path`` answers ``status`` (0: the
    connection drops before an answer)."""

    def __init__(self, path: str, status: int) -> None:
        self._inner = httpx.HTTPTransport()
        self._path, self._status = path, status
        self.seen: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request.url.path)
        if request.url.path != self._path:
            return self._inner.handle_request(request)
        if not self._status:
            raise httpx.RemoteProtocolError("dropped", request=request)
        return httpx.Response(self._status, json={"detail": "down"})

    def close(self) -> None:
        self._inner.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def kiosk(tmp_path: Path, clock: FakeClock) -> tuple[Outbox, KioskStateStore]:
    cipher = DataCipher([bytes(range(32))])
    outbox = Outbox(open_store(tmp_path / "kiosk.db"), cipher, clock, "K-1")
    state = KioskStateStore(open_store(tmp_path / "kiosk.db"))
    state.save_devices({"printer": DeviceReport(state="warning", detail="paper_low"),
                        "reader": DeviceReport(state="ok")}, START)
    state.save_outages([Outage(service="*", reason="no_paper", by="staff", since=START,
                               note=NOTE)], START)
    return outbox, state


def fleet(platform: EmbeddedPlatform) -> dict[str, Any]:
    staff = bearer(platform.enrol("staff", "wang"))
    answer = httpx.get(f"{platform.url}{FLEET_PATH}", headers=staff)
    assert answer.status_code == 200, answer.text
    kiosks: dict[str, Any] = {k["kiosk_id"]: k for k in answer.json()["kiosks"]}
    return kiosks


def client(platform: EmbeddedPlatform, transport: httpx.BaseTransport | None = None
           ) -> httpx.Client:
    return httpx.Client(base_url=platform.url, timeout=10, transport=transport,
                        headers=bearer(platform.enrol("kiosk", "K-1")))


def test_a_pass_reports_the_queue_devices_and_outages(
        kiosk: tuple[Outbox, KioskStateStore], clock: FakeClock,
        platform_server: EmbeddedPlatform) -> None:
    outbox, state = kiosk
    first = outbox.enqueue("application", "item-a", PERSON)
    clock.advance(30)
    for _ in range(2):
        outbox.enqueue("application", "item-a", PERSON)
    # The batch fails (the platform is reached, it answers 503): three wait in the queue.
    with client(platform_server, FailingPath(BATCH_PATH, 503)) as http:
        sync = SyncEngine(outbox, http, clock, SyncSettings(),
                          fleet=FleetReporting(state, "0.1.0"))
        report = sync.sync_once()
    assert report.link is Link.SERVER_ERROR and report.reported and not report.fleet_error
    seen = fleet(platform_server)["K-1"]
    sent = seen["report"]
    assert sent["queue_length"] == 3
    assert datetime.fromisoformat(sent["oldest_queued_at"]) == datetime.fromisoformat(
        first.created_at)
    assert datetime.fromisoformat(sent["sent_at"]) == START + timedelta(seconds=30)
    assert sent["devices"]["printer"] == {"state": "warning", "detail": "paper_low"}
    assert [(o["service"], o["reason"], o["note"]) for o in sent["outages"]] == [
        ("*", "no_paper", NOTE)]
    assert sent["software"] == "0.1.0" and seen["out_of_service"] is True
    # The platform's clock is the real one; the kiosk's fake one is days off.
    assert seen["drift"] == "over"

    # Then the link is fine: the queue drains, and the report says it is empty.
    with client(platform_server) as http:
        sync = SyncEngine(outbox, http, clock, SyncSettings(),
                          fleet=FleetReporting(state, "0.1.0"))
        report = sync.sync_once()
    assert report.online and report.acknowledged == 3 and report.reported
    sent = fleet(platform_server)["K-1"]["report"]
    assert (sent["queue_length"], sent["oldest_queued_at"]) == (0, None)


@pytest.mark.parametrize("status", [500, 404, 0])
def test_a_failing_report_never_stops_the_drain(
        status: int, kiosk: tuple[Outbox, KioskStateStore], clock: FakeClock,
        platform_server: EmbeddedPlatform, caplog: pytest.LogCaptureFixture) -> None:
    outbox, state = kiosk
    queued = [outbox.enqueue("application", "item-a", PERSON).id for _ in range(5)]
    transport = FailingPath(KIOSK_REPORT_PATH, status)
    with caplog.at_level(logging.DEBUG), client(platform_server, transport) as http:
        sync = SyncEngine(outbox, http, clock, SyncSettings(batch_size=2),
                          fleet=FleetReporting(state))
        report = sync.sync_once()
        again = sync.sync_once()
    assert report.online and report.acknowledged == 5
    assert all(outbox.state_of(i) is State.ACKNOWLEDGED for i in queued)
    assert not report.reported
    assert report.fleet_error == ("connection_failed:RemoteProtocolError" if not status
                                  else f"http_status:{status}")
    assert again.online and again.fleet_error == report.fleet_error
    assert transport.seen.count(KIOSK_REPORT_PATH) == 2  # one per pass, after the drain
    assert transport.seen.index(KIOSK_REPORT_PATH) > transport.seen.index(BATCH_PATH)
    assert outbox.summary().last_error == ""  # the pass itself succeeded
    # Logged once (it did not change), as its code: nothing of the report's text.
    lines = [r.getMessage() for r in caplog.records if "fleet report" in r.getMessage()]
    assert lines == [f"fleet report not sent: {report.fleet_error}"
                     " (the outbox drains regardless)"]
    assert all("张伟" not in r.getMessage() and "310104198506121230" not in r.getMessage()
               for r in caplog.records)


def test_an_unreadable_state_is_reported_as_none_and_logged(
        kiosk: tuple[Outbox, KioskStateStore], clock: FakeClock,
        platform_server: EmbeddedPlatform, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    """A stored part the kiosk cannot read is read as empty (the kiosk's next device
    check writes it again): the upload and the report go on, and the log says so."""
    outbox, state = kiosk
    outbox.enqueue("application", "item-a", PERSON)
    raw = open_store(tmp_path / "kiosk.db")
    raw.execute("UPDATE kiosk_state SET body = '{not json' WHERE part = 'devices'")
    with client(platform_server) as http:
        report = SyncEngine(outbox, http, clock, SyncSettings(),
                            fleet=FleetReporting(state)).sync_once()
    assert report.online and report.acknowledged == 1
    assert report.fleet_error == ""
    assert any("stored device states unreadable" in r.getMessage() for r in caplog.records)


def test_no_report_while_the_platform_is_unreachable(
        kiosk: tuple[Outbox, KioskStateStore], clock: FakeClock) -> None:
    outbox, state = kiosk
    outbox.enqueue("application", "item-a", PERSON)
    transport = FailingPath("/nowhere", 0)  # everything goes to the real socket
    with httpx.Client(base_url=f"http://127.0.0.1:{free_port()}", transport=transport,
                      timeout=10) as http:  # nothing listens there
        report = SyncEngine(outbox, http, clock, SyncSettings(),
                            fleet=FleetReporting(state)).sync_once()
    assert report.link is Link.UNREACHABLE
    assert (report.reported, report.fleet_error) == (False, "")
    assert KIOSK_REPORT_PATH not in transport.seen


class SlowBatches(FailingPath):
    """The real platform, each batch taking 20 s of the kiosk's (fake) time; records the
    queue length of every report sent."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__("/nowhere", 0)
        self._clock = clock
        self.queue_lengths: list[int] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == BATCH_PATH:
            self._clock.advance(20)
        if request.url.path == KIOSK_REPORT_PATH:
            self.queue_lengths.append(json.loads(request.content)["queue_length"])
        return super().handle_request(request)


def test_a_long_drain_reports_on_the_way(
        kiosk: tuple[Outbox, KioskStateStore], clock: FakeClock,
        platform_server: EmbeddedPlatform) -> None:
    outbox, state = kiosk
    for _ in range(6):
        outbox.enqueue("application", "item-a", PERSON)
    transport = SlowBatches(clock)
    with client(platform_server, transport) as http:
        sync = SyncEngine(outbox, http, clock, SyncSettings(batch_size=1),
                          fleet=FleetReporting(state))
        report = sync.sync_once()  # 6 batches of 20 s each
    assert report.online and report.acknowledged == 6 and report.reported
    # Counted from the first batch's end (20 s): due after the third (60 s) and the
    # fifth (100 s); then the pass's own report.
    assert transport.queue_lengths == [3, 1, 0]
