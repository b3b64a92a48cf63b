"""The platform's online endpoints, asked while a person waits: reservation rounds and
entries, pickup redemptions, case timelines, the kiosk's pickup cabinet.

Every call is one request with the kiosk's short timeout. An unreachable or failing
platform raises ``PlatformUnavailable`` (the caller falls back to what the kiosk
knows, or queues in the outbox); a request the platform refuses as malformed raises
``PlatformRefused``. Answers are parsed into the shared ``contracts.platform_api``
models, so a malformed answer is ``PlatformUnavailable`` too, never a crash.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from contracts.platform_api import (
    CABINET_COLLECT_PATH,
    CABINET_CONTENTS_PATH,
    CABINET_LOADS_PATH,
    CABINET_UNLOADS_PATH,
    CASE_LOOKUP_PATH,
    RATINGS_REPORT_PATH,
    REDEEM_PATH,
    RESERVATION_LOOKUP_PATH,
    RESERVE_PATH,
    ROUNDS_PATH,
    CabinetCollect,
    CabinetCollection,
    CabinetContents,
    CabinetLoad,
    CabinetLoadOutcome,
    CabinetUnload,
    CabinetUnloadOutcome,
    CaseView,
    DocumentType,
    EntryOutcome,
    EntryRequest,
    EntryView,
    RatingReport,
    Redemption,
    RoundConfig,
    RoundStock,
    stock_path,
)
from offline_cache.platform_http import ResponseTooLarge, retry_after_s
from offline_cache.sync_errors import SyncError

log = logging.getLogger(__package__)

M = TypeVar("M", bound=BaseModel)


class PlatformUnavailable(Exception):
    """No usable answer: unreachable, timed out, a server error, a malformed or oversized
    answer, or "too many requests, try again later" (429, ``retry_after_s`` set). The
    message is a ``SyncError`` code (no personal data: it may be logged)."""

    def __init__(self, code: str, retry_after_s: float | None = None) -> None:
        super().__init__(code)
        self.retry_after_s = retry_after_s


class PlatformRefused(Exception):
    """The platform answered 4xx (but 429): the request itself is wrong (a bug, not the
    link)."""


class PlatformClient:
    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    def rounds(self) -> list[RoundConfig]:
        answer = self._call("GET", ROUNDS_PATH)
        return _parse_list(answer, "rounds", RoundConfig)

    def enter(self, request: EntryRequest) -> EntryOutcome:
        return _parse(self._call("POST", RESERVE_PATH, request.model_dump(mode="json")),
                      EntryOutcome)

    def entries(self, document_type: DocumentType, document_number: str,
                round_id: str | None = None) -> list[EntryView]:
        body = {"document": {"document_type": document_type.value,
                             "document_number": document_number}, "round_id": round_id}
        return _parse_list(self._call("POST", RESERVATION_LOOKUP_PATH, body), "entries",
                           EntryView)

    def redeem(self, code: str) -> Redemption:
        return _parse(self._call("POST", REDEEM_PATH, {"code": code}), Redemption)

    def cases(self, reference: str | None = None,
              document: tuple[DocumentType, str] | None = None) -> list[CaseView]:
        body: dict[str, Any] = {"reference": reference}
        if document is not None:
            body["document"] = {"document_type": document[0].value,
                                "document_number": document[1]}
        return _parse_list(self._call("POST", CASE_LOOKUP_PATH, body), "cases", CaseView)

    def stock(self, round_id: str) -> RoundStock | None:
        """A first-come round's places left per slot; None: the platform keeps no live
        count for it (the kiosk shows the last it knew)."""
        try:
            return _parse(self._call("GET", stock_path(round_id)), RoundStock)
        except PlatformRefused as exc:
            if str(exc) == "HTTP 404":
                return None
            raise

    def rating_report(self, since: datetime, until: datetime | None = None) -> RatingReport:
        """好差评 counts over a period, up to now without ``until`` (a kiosk's credential
        sees its own ratings)."""
        params = {"since": since.isoformat()}
        if until is not None:
            params["until"] = until.isoformat()
        return _parse(self._call("GET", RATINGS_REPORT_PATH, params=params), RatingReport)

    # -- the kiosk's pickup cabinet (the credential names which kiosk's) -----------------
    def load_into_cabinet(self, load: CabinetLoad) -> CabinetLoadOutcome:
        """Staff loaded a case's goods: ready for pickup here (or refused, with why)."""
        return _parse(self._call("POST", CABINET_LOADS_PATH, load.model_dump(mode="json")),
                      CabinetLoadOutcome)

    def unload_from_cabinet(self, unload: CabinetUnload) -> CabinetUnloadOutcome:
        return _parse(self._call("POST", CABINET_UNLOADS_PATH,
                                 unload.model_dump(mode="json")), CabinetUnloadOutcome)

    def collect_from_cabinet(self, collect: CabinetCollect) -> CabinetCollection:
        """The card on the reader: every case of its holder waiting here, redeemed."""
        return _parse(self._call("POST", CABINET_COLLECT_PATH,
                                 collect.model_dump(mode="json")), CabinetCollection)

    def cabinet_contents(self) -> CabinetContents:
        return _parse(self._call("GET", CABINET_CONTENTS_PATH), CabinetContents)

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None,
              params: dict[str, str] | None = None) -> Any:
        try:
            response = self._client.request(method, path, json=body, params=params)
        except httpx.TimeoutException as exc:
            raise PlatformUnavailable(SyncError.TIMEOUT) from exc
        except httpx.ConnectError as exc:
            raise PlatformUnavailable(SyncError.UNREACHABLE) from exc
        except ResponseTooLarge as exc:
            raise PlatformUnavailable(SyncError.TOO_LARGE) from exc
        except httpx.HTTPError as exc:
            raise PlatformUnavailable(
                SyncError.CONNECTION_FAILED.with_detail(type(exc).__name__)) from exc
        if response.status_code == 429:
            # The platform's rate limit: this kiosk is busy, not wrong. Try again later.
            wait = retry_after_s(response.headers.get("retry-after"))
            log.warning("platform rate-limited %s %s: retry after %.0f s", method, path, wait)
            raise PlatformUnavailable(SyncError.RATE_LIMITED.with_detail(f"{wait:.0f}"), wait)
        if 400 <= response.status_code < 500:
            # Not the body: a 422 names fields and types, but never echo what was sent.
            log.warning("platform refused %s %s: HTTP %d", method, path, response.status_code)
            raise PlatformRefused(f"HTTP {response.status_code}")
        if response.status_code >= 500:
            raise PlatformUnavailable(SyncError.HTTP_STATUS.with_detail(response.status_code))
        try:
            return response.json()
        except ValueError as exc:
            raise PlatformUnavailable(SyncError.MALFORMED) from exc


def _parse(answer: Any, model: type[M]) -> M:
    try:
        return model.model_validate(answer)
    except ValidationError as exc:
        raise PlatformUnavailable(SyncError.MALFORMED) from exc


def _parse_list(answer: Any, key: str, model: type[M]) -> list[M]:
    if not isinstance(answer, dict) or not isinstance(answer.get(key), list):
        raise PlatformUnavailable(SyncError.MALFORMED)
    return [_parse(item, model) for item in answer[key]]
