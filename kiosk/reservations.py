"""Journey B, a scarce-supply reservation (the 2020 mask rounds), as use cases.

The platform decides every entry by its round's rules; the kiosk answers what the
document alone decides right after identification, offers only choices the round has
places for, and sends the entry online. When the platform cannot be reached the
entry is queued in the outbox (kind ``reservation``), durable before the screen
answers, and nothing is promised: the platform applies the round's rules as of the
moment it was made when it arrives.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from contracts.catalog import Catalog, Item
from contracts.clock import Clock
from contracts.identity import Document, Identity, IdSource
from contracts.pharmacies import Pharmacies, Pharmacy, PickupWindow
from contracts.platform_api import (
    DocumentType,
    EntryOutcome,
    EntryRequest,
    EntryView,
    RoundConfig,
    RoundStock,
)
from contracts.wire import ReservationPayload, Transaction
from offline_cache.outbox import Outbox
from offline_cache.platform_client import PlatformClient, PlatformRefused, PlatformUnavailable

log = logging.getLogger(__package__)

# The document an identity was read from, as the platform names it.
DOCUMENT_TYPES: dict[Document, DocumentType] = {
    Document.RESIDENT_ID: DocumentType.RESIDENT_ID,
    Document.HMT_PERMIT: DocumentType.HMT_RESIDENCE_PERMIT,
    Document.FOREIGNER_CARD: DocumentType.FOREIGN_PERMANENT,
}
HEALTH_CHOICES = ("well", "fever_or_cough", "recent_contact")
MAX_OFFSET_S = 86_400  # ReservationPayload.clock_offset_s's bound
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def open_rounds(rounds: tuple[RoundConfig, ...], now: datetime) -> list[RoundConfig]:
    """The rounds taking entries now by the kiosk's clock, closing soonest first."""
    return sorted((r for r in rounds if r.opens_at <= now < r.closes_at),
                  key=lambda r: r.closes_at)


def round_item(catalog: Catalog, config: RoundConfig) -> Item:
    """The catalog item a round offers, taking the documents and the manual entry the
    round allows (the identify screen names what it does not take)."""
    try:
        item = catalog.get(config.item_id)
    except KeyError:
        item = Item(id=config.item_id, name_zh=config.item_id, name_en=config.item_id,
                    category="personal", department_zh="-", department_en="-")
    accepts = tuple(d for d, kind in DOCUMENT_TYPES.items() if kind in config.document_types)
    return item.model_copy(update={"accepts": accepts or (Document.RESIDENT_ID,),
                                   "manual_entry": config.manual_entry})


class IdentifyRefusal(StrEnum):
    """What the document alone decides for a round, said right after identification."""

    DOCUMENT_TYPE = "document_type"  # the round does not take this document
    MANUAL_ENTRY = "manual_entry"  # a typed identity where the round wants a card or e-ID
    NOT_ELIGIBLE = "not_eligible"  # household registration elsewhere, no other way in


def refusal_at_identify(config: RoundConfig, identity: Identity) -> IdentifyRefusal | None:
    kind = DOCUMENT_TYPES[identity.document]
    if kind not in config.document_types:
        return IdentifyRefusal.DOCUMENT_TYPE
    if identity.source is IdSource.MANUAL and not config.manual_entry:
        return IdentifyRefusal.MANUAL_ENTRY
    rule = config.eligibility
    # Social security is the platform's registry: only residence can be decided here.
    if rule.residence_regions and not rule.social_security and not (
            kind is DocumentType.RESIDENT_ID
            and identity.id_number.startswith(rule.residence_regions)):
        return IdentifyRefusal.NOT_ELIGIBLE
    return None


# -- the choices --------------------------------------------------------------------------
class Choice(StrEnum):
    DISTRICT = "district"
    PHARMACY = "pharmacy"
    WINDOW = "window"
    PRODUCT = "product"
    HEALTH = "health"
    EITHER = "either"


@dataclass
class ReservationDraft:
    """One person's entry being chosen. Personal (the identity): dropped with the screen."""

    round: RoundConfig
    identity: Identity
    picked: dict[Choice, str] = field(default_factory=dict)

    def steps(self) -> list[Choice]:
        steps = [Choice.DISTRICT, Choice.PHARMACY, Choice.WINDOW]
        config = self.round
        if config.product_types:
            steps.append(Choice.PRODUCT)
        if config.health_report_required:
            steps.append(Choice.HEALTH)
        if len(config.product_types) > 1 and config.either_type_opt_in:
            steps.append(Choice.EITHER)
        return steps

    def current(self) -> Choice | None:
        """The next choice to make; None: every choice made."""
        return next((s for s in self.steps() if s not in self.picked), None)

    def pick(self, value: str) -> None:
        step = self.current()
        if step is not None:
            self.picked[step] = value

    def back(self) -> bool:
        """Undo the last choice; False when none was made (back to identification)."""
        made = [s for s in self.steps() if s in self.picked]
        if not made:
            return False
        del self.picked[made[-1]]
        return True

    @property
    def slot(self) -> str:
        return f"{self.picked[Choice.PHARMACY]}/{self.picked[Choice.WINDOW]}"


def _offered(config: RoundConfig, prefix: str) -> list[str]:
    return [slot for slot in config.quotas if slot == prefix or slot.startswith(prefix + "/")]


def round_pharmacies(config: RoundConfig, pharmacies: Pharmacies | None,
                     district: str | None = None) -> list[Pharmacy]:
    """The pharmacies with places in the round (in one district)."""
    if pharmacies is None:
        return []
    return [p for p in pharmacies.pharmacies if _offered(config, p.id)
            and (district is None or p.district == district)]


def round_districts(config: RoundConfig, pharmacies: Pharmacies | None) -> list[str]:
    return list(dict.fromkeys(p.district for p in round_pharmacies(config, pharmacies)))


def round_windows(config: RoundConfig, pharmacy: Pharmacy) -> list[PickupWindow]:
    return [w for w in pharmacy.windows if _offered(config, f"{pharmacy.id}/{w.id}")]


@dataclass(frozen=True, slots=True)
class Places:
    """Places at a pharmacy or window: first come, what is left (live, or as last known);
    lottery, what each draw gives."""

    count: int
    live: bool  # False: the last count this kiosk saw (or the quota, never counted)
    per_draw: bool = False


def places(config: RoundConfig, stock: RoundStock | None, live: bool, prefix: str) -> Places:
    slots = _offered(config, prefix)
    if config.mode == "lottery":
        return Places(sum(config.quotas[s] for s in slots), live=True, per_draw=True)
    if stock is None:
        return Places(sum(config.quotas[s] for s in slots), live=False)
    return Places(sum(stock.remaining.get(s, 0) for s in slots), live=live)


# -- submitting ---------------------------------------------------------------------------
class ResultKind(StrEnum):
    ALLOCATED = "allocated"  # first come: a place and its pickup code
    ENTERED = "entered"  # lottery: registered, not allocated; the draw decides
    UPDATED = "updated"  # an entry that stood was changed (Xiamen: an edit replaces it)
    REFUSED = "refused"  # the platform's reason code says why
    OFFLINE = "offline"  # queued at this kiosk, to be confirmed
    FAILED = "failed"  # the platform would not take the request (a bug): nothing entered


@dataclass(frozen=True, slots=True)
class ReservationResult:
    kind: ResultKind
    round: RoundConfig
    reference: str = ""
    reason: str = ""  # refused: the platform's code
    slot: str = ""
    pickup_code: str = ""
    valid_until: datetime | None = None
    next_draw: datetime | None = None  # lottery: when it is decided
    free_from: date | None = None  # locked out: the first day entries are open again


def next_draw(config: RoundConfig, now: datetime) -> datetime | None:
    return min((d for d in config.draw_times if d > now), default=None)


def entry_request(draft: ReservationDraft) -> EntryRequest:
    who, picked = draft.identity, draft.picked
    return EntryRequest(
        id=str(uuid.uuid4()), round_id=draft.round.id,
        document_type=DOCUMENT_TYPES[who.document], document_number=who.id_number,
        slot=draft.slot, product_type=picked.get(Choice.PRODUCT),
        accept_either=picked.get(Choice.EITHER) == "yes",
        health=picked.get(Choice.HEALTH))


def queue_entry(outbox: Outbox, config: RoundConfig, request: EntryRequest, made_at: datetime,
                clock_offset_s: float | None) -> Transaction:
    """Write the entry durably for the platform to apply later."""
    offset = clock_offset_s or 0.0
    if abs(offset) > MAX_OFFSET_S:
        # A kiosk clock this far off is staff's drift warning; the platform bounds the
        # entry's time by its receipt whatever the kiosk says.
        log.warning("clock offset %.0f s beyond the wire's bound: sent as %d s", offset,
                    MAX_OFFSET_S)
        offset = max(-MAX_OFFSET_S, min(MAX_OFFSET_S, offset))
    payload = ReservationPayload(entry=request, made_at=made_at, clock_offset_s=offset)
    return outbox.enqueue("reservation", config.item_id, payload.model_dump(mode="json"))


def submit_reservation(draft: ReservationDraft, platform: PlatformClient, outbox: Outbox,
                       clock: Clock, clock_offset_s: float | None) -> ReservationResult:
    """*Blocking*: enter online; offline, queue. The result is what the screen says."""
    config, now = draft.round, clock.now()
    request = entry_request(draft)
    try:
        outcome = platform.enter(request)
    except PlatformUnavailable as exc:
        log.info("round %s: platform unavailable (%s), entry queued", config.id, exc)
        reference = queue_entry(outbox, config, request, now, clock_offset_s).reference
        return ReservationResult(ResultKind.OFFLINE, config, reference,
                                 next_draw=next_draw(config, now))
    except PlatformRefused:
        return ReservationResult(ResultKind.FAILED, config)
    log.info("round %s: entry %s", config.id, outcome.status)
    return result_of(config, outcome, now)


def result_of(config: RoundConfig, outcome: EntryOutcome, now: datetime) -> ReservationResult:
    if outcome.status == "refused":
        found = _DAY.findall(outcome.detail) if outcome.reason == "locked_out" else []
        free_from = date.fromisoformat(found[-1]) if found else None
        return ReservationResult(ResultKind.REFUSED, config, outcome.reference,
                                 reason=outcome.reason, free_from=free_from)
    return ReservationResult(ResultKind(outcome.status), config, outcome.reference,
                             slot=outcome.slot, pickup_code=outcome.pickup_code,
                             valid_until=outcome.valid_until, next_draw=next_draw(config, now))


# -- my reservation -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class QueuedEntry:
    """An entry this kiosk holds, not yet delivered to the platform."""

    reference: str
    round_id: str
    slot: str
    made_at: datetime


@dataclass(frozen=True, slots=True)
class MyReservations:
    online: bool  # False: the platform could not be asked; only this kiosk's queue
    entries: list[EntryView]
    queued: list[QueuedEntry]


def my_reservations(identity: Identity, platform: PlatformClient,
                    outbox: Outbox) -> MyReservations:
    """*Blocking*: this person's entries on the platform, and those queued here."""
    kind = DOCUMENT_TYPES[identity.document]
    queued = []
    for tx in outbox.unsent("reservation"):
        payload = ReservationPayload.model_validate(tx.payload)
        if (payload.entry.document_type is kind
                and payload.entry.document_number == identity.id_number):
            queued.append(QueuedEntry(tx.reference, payload.entry.round_id, payload.entry.slot,
                                      payload.made_at))
    try:
        entries = platform.entries(kind, identity.id_number)
    except (PlatformUnavailable, PlatformRefused):
        return MyReservations(False, [], queued)
    return MyReservations(True, entries, queued)
