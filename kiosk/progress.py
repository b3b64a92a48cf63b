"""查询办理进度, like parcel tracking: a case's timeline as the platform keeps it.

By reference (typed or from the slip's QR) or by the ID card on the reader (that
person's cases from any kiosk: the card on the reader is the proof). Every answer from
the platform is cached (nothing personal in it), so an offline kiosk shows the last
known timeline with its date, or else this kiosk's own outbox record, and says which.
Nothing here names the person: the screen shows the masked name it already has.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from contracts.identity import Identity
from contracts.pickup_codes import read_unverified
from contracts.platform_api import CaseView, DocumentType
from offline_cache.case_cache import CaseCache
from offline_cache.outbox import Outbox, State
from offline_cache.platform_client import PlatformClient, PlatformRefused, PlatformUnavailable

log = logging.getLogger(__package__)


class Source(StrEnum):
    PLATFORM = "platform"  # the platform's answer just now
    CACHED = "cached"  # the platform's answer as this kiosk last heard it
    OUTBOX = "outbox"  # this kiosk's own record: the platform never answered for it


@dataclass(frozen=True, slots=True)
class Step:
    status: str  # received, reviewing, approved, refused, ready_for_pickup, collected
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Progress:
    reference: str
    item_id: str
    status: str  # the latest step's, or the outbox state's (OUTBOX)
    steps: tuple[Step, ...]
    source: Source
    as_of: datetime | None  # CACHED: when the platform said so; OUTBOX: when made here
    pickup_site: str = ""  # ready for pickup: where
    pickup_window: str = ""  # and when
    outbox_reason: str = ""  # OUTBOX, quarantined: the platform's reason


@dataclass(frozen=True, slots=True)
class ProgressAnswer:
    cases: tuple[Progress, ...]
    online: bool  # False: the platform could not be asked; these are what the kiosk knew


def case_document(identity: Identity) -> tuple[DocumentType, str]:
    """The document the platform filed this person's cases under. It names an
    application's document by the number's shape (server/cases.py), so a 2023
    foreigner's card (18 digits) is asked for as an ID-shaped number too."""
    number = identity.id_number.strip().upper()
    if len(number) != 18:
        return DocumentType.FOREIGN_PERMANENT, number
    if number[:2] in ("81", "82", "83"):
        return DocumentType.HMT_RESIDENCE_PERMIT, number
    return DocumentType.RESIDENT_ID, number


@dataclass
class ProgressDesk:
    platform: PlatformClient
    cache: CaseCache
    outbox: Outbox

    def by_reference(self, reference: str) -> ProgressAnswer:
        """*Blocking*: one case by its slip's reference."""
        try:
            views = self.platform.cases(reference=reference)
        except (PlatformUnavailable, PlatformRefused) as exc:
            log.info("progress lookup offline (%s)", exc)
            known = self._cached(reference) or self._outbox(reference)
            return ProgressAnswer((known,) if known else (), online=False)
        found = tuple(self._fresh(v) for v in views if v.reference == reference)
        if not found:  # not on the platform yet: perhaps still in this kiosk's queue
            mine = self._outbox(reference)
            found = (mine,) if mine else ()
        return ProgressAnswer(found, online=True)

    def by_identity(self, identity: Identity) -> ProgressAnswer:
        """*Blocking*: every case of the person whose card is on the reader, newest first.
        Offline there is no list (the cache holds no one's document): online only."""
        try:
            views = self.platform.cases(document=case_document(identity))
        except (PlatformUnavailable, PlatformRefused) as exc:
            log.info("progress lookup by card offline (%s)", exc)
            return ProgressAnswer((), online=False)
        newest_first = sorted(views, key=lambda v: (v.received_at, v.reference), reverse=True)
        return ProgressAnswer(tuple(self._fresh(v) for v in newest_first), online=True)

    def _fresh(self, view: CaseView) -> Progress:
        code = read_unverified(view.pickup_code) if view.pickup_code else None
        site, window = (code.site, code.window) if code else ("", "")
        self.cache.put(view, site, window)
        return _progress(view, Source.PLATFORM, None, site, window)

    def _cached(self, reference: str) -> Progress | None:
        cached = self.cache.get(reference)
        if cached is None:
            return None
        return _progress(cached.view, Source.CACHED, cached.fetched_at, cached.pickup_site,
                         cached.pickup_window)

    def _outbox(self, reference: str) -> Progress | None:
        case = self.outbox.case_status(reference)
        if case is None:
            return None
        return Progress(reference, case.item_id, case.state, (), Source.OUTBOX,
                        datetime.fromisoformat(case.created_at),
                        outbox_reason=case.reason if case.state is State.QUARANTINED else "")


def _progress(view: CaseView, source: Source, as_of: datetime | None, site: str,
              window: str) -> Progress:
    steps = tuple(Step(e.status, e.reason, e.at) for e in view.timeline)
    ready = view.status == "ready_for_pickup"
    return Progress(view.reference, view.item_id, view.status, steps, source, as_of,
                    site if ready else "", window if ready else "")
