"""What the platform's online endpoints take and answer: reservation rounds and
entries, pickup-code redemptions, case timelines.

The platform serves these and the kiosk calls them (``offline_cache.platform_client``),
both with these models, so a field renamed on one side fails the other's tests.
Transactions queued in the outbox travel as ``contracts.wire`` batches instead.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    model_validator,
)

UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"

ROUNDS_PATH = "/api/v1/rounds"
RESERVE_PATH = "/api/v1/reservations"
RESERVATION_LOOKUP_PATH = "/api/v1/reservations/lookup"
REDEEM_PATH = "/api/v1/pickups/redeem"
CASE_LOOKUP_PATH = "/api/v1/cases/lookup"
STAFF_CASES_PATH = "/api/v1/staff/cases"  # GET: filtered, paged
RATINGS_REPORT_PATH = "/api/v1/ratings/report"  # GET: 好差评 counts (staff; a kiosk: its own)
PICKUP_FLAGS_PATH = "/api/v1/staff/pickups/flags"  # GET: offline redemptions to reconcile
# The kiosk's pickup cabinet (自助取件柜): see the models at the end of this module.
CABINET_LOADS_PATH = "/api/v1/cabinet/loads"  # POST CabinetLoad -> CabinetLoadOutcome
CABINET_UNLOADS_PATH = "/api/v1/cabinet/unloads"  # POST CabinetUnload -> CabinetUnloadOutcome
CABINET_COLLECT_PATH = "/api/v1/cabinet/collect"  # POST CabinetCollect -> CabinetCollection
CABINET_CONTENTS_PATH = "/api/v1/cabinet/contents"  # GET -> CabinetContents (this kiosk's)
# Access control (docs/security/access.md): staff see rate-limit anomalies and the audit
# trail, and withdraw an entry planted in someone's name.
ANOMALIES_PATH = "/api/v1/staff/anomalies"  # GET -> AnomalyList
AUDIT_PATH = "/api/v1/staff/audit"  # GET -> AuditList
STAFF_ENTRIES_PATH = "/api/v1/staff/entries"  # POST .../{reference}/withdraw -> Withdrawal


def stock_path(round_id: str) -> str:
    """GET: a first-come round's remaining places per slot."""
    return f"{ROUNDS_PATH}/{round_id}/stock"

# -- field types: JSON as the schema says, nothing looser --------------------------------
# (pydantic would otherwise read 0 as False or as 1970-01-01, and a request the
# published schema calls invalid would be accepted.)

def _iso_text(value: Any) -> Any:
    if isinstance(value, str | date | datetime):  # datetime: a TOML file's own type
        return value
    raise ValueError("expected an ISO 8601 text")


Day = Annotated[date, BeforeValidator(_iso_text)]
Moment = Annotated[AwareDatetime, BeforeValidator(_iso_text)]
Ident = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
RegionCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{2,6}$")]
SlotName = Annotated[str, StringConstraints(
    pattern=r"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)?$")]


class DocumentType(StrEnum):
    RESIDENT_ID = "resident_id"  # 居民身份证, 18 characters with a check digit
    HMT_RESIDENCE_PERMIT = "hmt_residence_permit"  # 港澳台居民居住证: same shape, 81/82/83
    PASSPORT = "passport"
    FOREIGN_PERMANENT = "foreign_permanent"  # 外国人永久居留身份证


# -- reservation rounds ------------------------------------------------------------
_PART = r"[a-z0-9][a-z0-9-]*"
SLOT = re.compile(rf"{_PART}/{_PART}(/{_PART})?")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Eligibility(_Strict):
    # Local household registration: resident ID numbers starting with one of these
    # region codes ("3502" is Xiamen). Empty: residence does not qualify anyone.
    residence_regions: tuple[RegionCode, ...] = Field(default=(), max_length=100)
    # Local social security also qualifies (the registry the platform holds, `insured`).
    social_security: StrictBool = False
    # Neither set: the round is open to everyone with an accepted document.

    @property
    def open_to_all(self) -> bool:
        return not self.residence_regions and not self.social_security


class RoundConfig(_Strict):
    id: Ident
    item_id: str = Field(default="mask-reservation", min_length=1, max_length=64)
    mode: Literal["lottery", "first_come"]
    opens_at: Moment
    closes_at: Moment  # entries after this are refused
    eligibility: Eligibility = Eligibility()
    document_types: tuple[DocumentType, ...] = Field(default=(DocumentType.RESIDENT_ID,),
                                                     min_length=1)
    # Winners may not enter any round for the same item for this many days.
    lockout_days: StrictInt = Field(default=10, ge=0, le=365)
    # A lottery entry that loses stays in the following draws this long.
    entry_validity_days: StrictInt = Field(default=10, ge=1, le=365)
    health_report_required: StrictBool = True
    # Mask types; empty when the item comes in one kind.
    product_types: tuple[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")], ...] = Field(
        default=(), max_length=10)
    # Offer "accept either type": the entry may take a place of another type.
    either_type_opt_in: StrictBool = True
    # People this old or older are entered automatically into every draw until they
    # win, without coming back when their entry would expire. None: no such rule.
    auto_entry_age: StrictInt | None = Field(default=65, ge=0, le=150)
    # Places per slot: for each draw in a lottery, for the whole round first-come.
    quotas: dict[SlotName, Annotated[StrictInt, Field(ge=0, le=1_000_000)]] = Field(
        min_length=1, max_length=10_000)
    # A pickup code is valid for this many days after the place is given.
    pickup_days: StrictInt = Field(default=2, ge=1, le=60)
    # Lottery: when draws are held (what a registered person is told to wait for).
    draw_times: tuple[Moment, ...] = Field(default=(), max_length=100)
    # A typed name and number (no card, no e-ID) may enter: checked at the pharmacy.
    manual_entry: StrictBool = False
    # A kiosk that cannot reach the platform may hand over goods on a code whose
    # signature checks, recording the redemption for the platform to reconcile.
    offline_redemption: StrictBool = False

    @model_validator(mode="after")
    def _consistent(self) -> RoundConfig:
        if self.closes_at <= self.opens_at:
            raise ValueError("closes_at must be after opens_at")
        if len(set(self.product_types)) != len(self.product_types):
            raise ValueError("product_types must not repeat")
        for slot, places in self.quotas.items():
            if not SLOT.fullmatch(slot):
                raise ValueError(f"quota slot {slot!r} is not pharmacy/window[/type]")
            if places < 0:
                raise ValueError(f"quota for {slot!r} is negative")
            typed = slot.count("/") == 2
            if typed != bool(self.product_types):
                raise ValueError(f"quota slot {slot!r}: name a type exactly when the round"
                                 " has product_types")
            if typed and slot.rsplit("/", 1)[1] not in self.product_types:
                raise ValueError(f"quota slot {slot!r}: type not in product_types")
        return self

    def choices(self, slot: str, product_type: str | None, accept_either: bool
                ) -> tuple[str, ...] | None:
        """The slots an entry may take, first choice first; None when ``slot`` or
        ``product_type`` is not on offer."""
        if not self.product_types:
            return (slot,) if slot in self.quotas and product_type is None else None
        if product_type not in self.product_types:
            return None
        first = f"{slot}/{product_type}"
        if first not in self.quotas:
            return None
        if not (accept_either and self.either_type_opt_in):
            return (first,)
        others = [f"{slot}/{t}" for t in self.product_types if t != product_type]
        return (first, *[o for o in others if o in self.quotas])


# -- entries -----------------------------------------------------------------------
class EntryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=UUID_PATTERN)  # the client's: a retry sends the same one
    round_id: str = Field(min_length=1, max_length=64)
    document_type: DocumentType
    document_number: str = Field(min_length=1, max_length=32)
    # Needed only for documents whose number does not carry it (passports).
    birth_date: Day | None = None
    slot: str = Field(min_length=3, max_length=120)  # "pharmacy/window"
    product_type: str | None = Field(default=None, max_length=32)
    accept_either: StrictBool = False
    health: Literal["well", "fever_or_cough", "recent_contact"] | None = None


class EntryOutcome(BaseModel):
    request_id: str
    status: Literal["entered", "updated", "allocated", "refused"]
    reason: str = ""  # refused: which rule (see docs/reservations.md)
    detail: str = ""  # refused: the rule in words
    reference: str = ""
    pseudonym: str = ""  # the entrant's name in the published draw list
    slot: str = ""
    pickup_code: str = ""
    valid_until: datetime | None = None  # the entry's, or the pickup code's
    replayed: bool = False


class EntryView(BaseModel):
    round_id: str
    reference: str
    # refused: only entries made offline (an online refusal was answered at once)
    status: Literal["entered", "won", "collected", "expired", "refused"]
    slot: str = ""
    choices: list[str]
    pickup_code: str = ""
    valid_until: datetime | None = None
    reason: str = ""  # refused: the rule's code, as EntryOutcome.reason
    made_offline: bool = False  # queued at a kiosk, its rules applied when it arrived


# -- pickups ------------------------------------------------------------------------
class Redemption(BaseModel):
    status: Literal["redeemed", "refused"]
    ref: str = ""
    # refused: forged | altered | expired | damaged | not_issued | already_redeemed |
    # elsewhere (the goods wait in another kiosk's cabinet: detail names it; nothing
    # taken) | withdrawn (staff took the goods back out of the cabinet: the code is void)
    reason: str = ""
    detail: str = ""
    item: str = ""
    site: str = ""
    window: str = ""
    redeemed_at: datetime | None = None
    redeemed_by: str = ""


class PickupFlag(BaseModel):
    """An offline redemption staff must reconcile: the goods were handed over at a kiosk
    that could not ask the platform, and the code turned out to be collected already
    (reason ``already_redeemed``), not one the platform issued (``not_issued``,
    ``forged``, ``altered``, ``expired``, ``damaged``), or from a round that does not
    allow offline redemption (``offline_not_allowed``: recorded all the same)."""

    ref: str  # "-": the code could not be read
    kiosk_id: str
    redeemed_at: datetime  # at the kiosk (its clock corrected, bounded)
    received_at: datetime
    reason: str
    detail: str


class PickupFlagList(BaseModel):
    flags: list[PickupFlag]


class Attempt(BaseModel):
    by: str
    at: datetime
    outcome: str
    reason: str


# -- cases -------------------------------------------------------------------------
class CaseEvent(BaseModel):
    status: str
    reason: str
    at: datetime


class CaseView(BaseModel):
    reference: str
    item_id: str
    status: str
    received_at: datetime
    timeline: list[CaseEvent]
    rated: bool
    pickup_code: str = ""  # while ready for pickup


class CasePage(BaseModel):
    """Staff's case list: newest first; ``next_cursor`` asks for the page after."""

    cases: list[CaseView]
    next_cursor: str | None = None


# -- first-come stock -------------------------------------------------------------------
class RoundStock(BaseModel):
    round_id: str
    remaining: dict[str, int]  # slot -> places left
    as_of: datetime  # the platform's clock


# -- 好差评 (ratings) ---------------------------------------------------------------------
class RatingCount(BaseModel):
    """Ratings of one group (a service, a kiosk, a reason) over the report's period."""

    key: str
    count: int
    by_score: dict[int, int]  # 1..5 -> how many
    bad: int  # scores 1 and 2: the bad reviews


class RatingReport(BaseModel):
    since: datetime
    until: datetime
    total: int
    by_item: list[RatingCount]
    by_kiosk: list[RatingCount]
    by_reason: list[RatingCount]  # bad reviews only: why


# -- the kiosk's pickup cabinet ------------------------------------------------------
# Staff at a kiosk load an approved case's goods into a compartment; the platform makes
# the case ready for pickup *in that kiosk's cabinet* and issues its signed code. The
# citizen collects with the code (REDEEM_PATH, as anywhere) or with the ID card on the
# reader (CABINET_COLLECT_PATH: the card's presence, never a typed number alone, redeems).
Compartment = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,15}$")]


class CabinetLoad(_Strict):
    """Staff put this case's goods into ``compartment`` of the calling kiosk's cabinet.
    Sent again with the same compartment (a lost answer), it answers the same; with
    another compartment of the same cabinet, the case has moved there."""

    reference: str = Field(min_length=1, max_length=64)
    compartment: Compartment
    staff: str = Field(default="", max_length=32)  # who loaded, as the kiosk knows them


class CabinetLoadOutcome(BaseModel):
    reference: str
    status: Literal["ready", "refused"]
    # refused: no_case | not_approved (case_status says what it is) | collected |
    # elsewhere (ready for pickup at a counter or another kiosk's cabinet) |
    # occupied (the compartment holds another case waiting in it)
    reason: str = ""
    detail: str = ""  # the refusal in words (English, for staff and the log)
    case_status: str = ""
    compartment: str = ""
    expires_at: datetime | None = None  # ready: the pickup code's expiry


class CabinetUnload(_Strict):
    """Staff took the goods back out (uncollected for days, damaged, loaded by mistake):
    the code stops working and the case is approved again, to be loaded or handed over
    at the counter."""

    reference: str = Field(min_length=1, max_length=64)
    reason: Literal["uncollected", "damaged", "mistake"]
    staff: str = Field(default="", max_length=32)


class CabinetUnloadOutcome(BaseModel):
    reference: str
    status: Literal["withdrawn", "refused"]
    reason: str = ""  # refused: no_case | not_in_this_cabinet | collected
    detail: str = ""


class CabinetCollect(_Strict):
    """The citizen's card on this kiosk's reader: redeem every case of theirs that waits
    in this kiosk's cabinet."""

    document_type: DocumentType = DocumentType.RESIDENT_ID
    document_number: str = Field(min_length=1, max_length=32)


class CabinetCollection(BaseModel):
    """One Redemption per case of the person in this cabinet: "redeemed" now (open its
    compartment), or refused "already_redeemed" with when and by whom (collected within
    the last 30 days), or refused "expired" (its code ran out: staff unload it). Empty:
    nothing of theirs is here."""

    redemptions: list[Redemption]
    # ref -> compartment, as loaded: the redeemed ones only (the doors to open now)
    compartments: dict[str, str] = {}


class CabinetSlot(BaseModel):
    reference: str
    compartment: str
    status: Literal["ready", "collected"]
    loaded_at: datetime
    collected_at: datetime | None = None
    collected_by: str = ""


class CabinetContents(BaseModel):
    """What the platform believes is in the calling kiosk's cabinet: every case loaded
    and not withdrawn, collected ones for 30 days (the kiosk reconciles its journal
    with this after a restart)."""

    slots: list[CabinetSlot]
    as_of: datetime


# -- access control: anomalies, audit, staff withdrawing an entry -----------------------
# Over its rate limit a credential gets 429 with Retry-After (whole seconds); each such
# refusal is audited, and staff see them grouped here.
class Anomaly(BaseModel):
    """A credential that went over a rate limit: how often, first and last time."""

    credential: str  # "kiosk:XH-CCB-0001"
    kind: str  # case_lookup | entry_lookup | entry | redeem | cabinet_collect
    count: int  # requests refused with 429
    first_at: datetime
    last_at: datetime


class AnomalyList(BaseModel):
    since: datetime
    anomalies: list[Anomaly]  # the most recent last_at first


class AuditEntry(BaseModel):
    """One lookup, redemption or refused request: never a document number."""

    at: datetime
    credential: str
    kind: str
    reference: str  # "-": none
    outcome: str  # found:N | none | redeemed | refused:REASON | rate_limited


class AuditList(BaseModel):
    entries: list[AuditEntry]  # newest first


class EntryWithdrawal(_Strict):
    """Staff withdraw an entry made in someone's name (planted, or a mistake): it stops
    counting for "one entry per person" and for the lockout, its unredeemed pickup code
    stops working and a first-come place goes back to the stock."""

    reason: Literal["not_the_person", "mistake", "person_asked"]


class Withdrawal(BaseModel):
    reference: str
    status: Literal["withdrawn", "refused"]
    reason: str = ""  # refused: no_entry | collected | not_live
    detail: str = ""
    place_returned: bool = False  # a first-come place went back to the stock
