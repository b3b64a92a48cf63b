"""The kiosk<->platform wire: the one set of models both sides build and read.

The kiosk builds a transaction and its payload with these models and the
platform validates what arrives with the same ones, so a field renamed on one
side fails the other side's tests. Envelope fields are checked strictly; a
payload is checked against its kind's model item by item, so one bad item
never sinks a batch.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.platform_api import UUID_PATTERN as UUID_PATTERN
from contracts.platform_api import EntryRequest

HEALTH_PATH = "/api/v1/health"
BATCH_PATH = "/api/v1/transactions/batch"
REFERENCE_PATH = "/api/v1/reference"
MAX_BATCH = 1000

# reservation, redemption: made while the platform was unreachable, applied when they arrive.
TransactionKind = Literal["application", "rating", "reservation", "redemption"]
ItemStatus = Literal["accepted", "duplicate", "refused"]
# 好差评: the reasons a bad review (1 or 2) may give.
BAD_REVIEW_REASONS = ("slow", "complicated", "unclear", "device_fault", "attitude", "other")


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Applicant(_Wire):
    """Who applied. Personal: sealed at rest on both sides, never logged."""

    name: str = Field(max_length=100)
    id_number: str = Field(min_length=1, max_length=40)
    source: Literal["card", "qr", "manual", "synthetic"]  # synthetic: field-test data
    address: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=20)
    born: str | None = Field(default=None, max_length=10)  # ISO date; None: unknown


class KioskDecision(_Wire):
    """The kiosk's instant decision, with the reason when it refused."""

    # verify_at_counter: a typed identity; nothing is decided until the counter checks it.
    outcome: Literal["approved", "refused", "review", "registered", "verify_at_counter"]
    reason: str = Field(default="", max_length=500)


class ApplicationPayload(_Wire):
    identity: Applicant
    answers: dict[str, str]
    decision: KioskDecision


class RatingPayload(_Wire):
    case: str = Field(pattern=UUID_PATTERN)  # the application transaction's id
    score: int = Field(ge=1, le=5, strict=True)
    # Empty for a good review; a bad one (1 or 2) gives one of BAD_REVIEW_REASONS. The
    # platform checks that rule itself (server.cases.rating_problem); the schema says it.
    reason: str = Field(default="", max_length=40,
                        json_schema_extra={"enum": ["", *BAD_REVIEW_REASONS]})


class ReservationPayload(_Wire):
    """A round entry made while the platform was unreachable. The platform applies the
    round's rules as of ``made_at`` (the kiosk's clock corrected by ``clock_offset_s``,
    its last measured drift, and never later than receipt); the outcome is read back
    with a reservation lookup. The document number is personal: sealed at rest."""

    entry: EntryRequest
    made_at: datetime  # the kiosk's clock when the person entered
    clock_offset_s: float = Field(default=0.0, ge=-86_400, le=86_400)  # kiosk minus platform


class RedemptionPayload(_Wire):
    """A pickup code the kiosk honoured offline (the round allowed it): the platform
    records the redemption, and flags it to staff when the code was redeemed already."""

    code: str = Field(min_length=1, max_length=2048)
    redeemed_at: datetime  # the kiosk's clock
    clock_offset_s: float = Field(default=0.0, ge=-86_400, le=86_400)


Payload = ApplicationPayload | RatingPayload | ReservationPayload | RedemptionPayload
PAYLOADS: dict[str, type[Payload]] = {
    "application": ApplicationPayload, "rating": RatingPayload,
    "reservation": ReservationPayload, "redemption": RedemptionPayload}


class Transaction(_Wire):
    """One queued transaction as it travels: the client's UUID makes a resend harmless."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=UUID_PATTERN)
    kiosk_id: str = Field(min_length=1, max_length=32)
    seq: int = Field(ge=1, le=2**62)
    kind: TransactionKind
    item_id: str = Field(min_length=1, max_length=64)
    reference: str = Field(min_length=1, max_length=64)
    created_at: str = Field(max_length=40)  # the kiosk's clock: advice, never trusted
    payload: dict[str, Any]

    def parsed_payload(self) -> Payload:
        """The payload as its kind's model (``ValidationError`` names what is wrong)."""
        return PAYLOADS[self.kind].model_validate(self.payload)


class _Envelope(_Wire):
    id: str = Field(pattern=UUID_PATTERN)
    kiosk_id: str = Field(min_length=1, max_length=32)
    seq: int = Field(ge=1, le=2**62)
    item_id: str = Field(min_length=1, max_length=64)
    reference: str = Field(min_length=1, max_length=64)
    created_at: str = Field(max_length=40)


class ApplicationTransaction(_Envelope):
    kind: Literal["application"]
    payload: ApplicationPayload


class RatingTransaction(_Envelope):
    """好差评: one rating of one case, by the kiosk that sent the case."""

    kind: Literal["rating"]
    payload: RatingPayload


class ReservationTransaction(_Envelope):
    kind: Literal["reservation"]
    payload: ReservationPayload


class RedemptionTransaction(_Envelope):
    kind: Literal["redemption"]
    payload: RedemptionPayload


# What a batch item is, kind by kind: the published schema (the platform's OpenAPI
# components) describes items with this. Ingest reads each item as ``Transaction`` and
# then its payload, so that one bad item is refused on its own.
TypedTransaction = Annotated[
    ApplicationTransaction | RatingTransaction | ReservationTransaction | RedemptionTransaction,
    Field(discriminator="kind")]


class Batch(BaseModel):
    # Items stay raw here and are validated one by one, so one malformed item cannot
    # sink the batch.
    transactions: list[Any] = Field(max_length=MAX_BATCH)


class ItemResult(BaseModel):
    id: str
    status: ItemStatus
    reason: str = ""


class BatchResult(BaseModel):
    results: list[ItemResult]
    received_at: datetime  # the platform's receipt stamp for every item in the batch


class Health(BaseModel):
    status: str
    time: datetime  # the platform's clock: kiosks measure their drift against it
    caller: str  # who the platform thinks is asking


class Versions(BaseModel):
    versions: dict[str, str]


class ReferenceBody(BaseModel):
    name: str
    version: str
    body: dict[str, Any]


# --- The fleet view (issue 18): each kiosk's state, reported by its sync ------------

KIOSK_REPORT_PATH = "/api/v1/kiosk/report"
DeviceHealth = Literal["ok", "warning", "fault", "absent"]
# The services a kiosk can put out of service; "*" is the whole kiosk.
OutageReason = Literal["staff", "no_paper", "printer_down", "reader_down", "camera_down",
                       "cabinet_down", "maintenance", "platform_unreachable", "other"]


class DeviceReport(_Wire):
    """One device's state as the kiosk's status bar sees it. ``detail`` is a code or a
    short technical phrase, never personal data."""

    state: DeviceHealth
    detail: str = Field(default="", max_length=200)


class Outage(_Wire):
    """A service (or ``*``, the whole kiosk) out of service: who put it there and why.
    ``note`` is staff's free text, shown to staff and on the fleet view, never to a
    citizen; it must not hold personal data."""

    service: str = Field(min_length=1, max_length=60)  # a catalog service id, or "*"
    reason: OutageReason
    by: Literal["staff", "auto"]
    since: datetime
    note: str = Field(default="", max_length=200)


class KioskReport(_Wire):
    """What a kiosk's sync sends at each pass: the platform keeps the latest per kiosk
    and measures the clock drift as its receipt time minus ``sent_at`` (minus half the
    round trip, which the kiosk gives as ``last_rtt_ms``)."""

    sent_at: datetime  # the kiosk's clock when the report was sent
    last_rtt_ms: int | None = Field(default=None, ge=0)
    queue_length: int = Field(ge=0)  # outbox records not yet accepted
    oldest_queued_at: datetime | None = None
    devices: dict[str, DeviceReport] = Field(default_factory=dict, max_length=20)
    outages: list[Outage] = Field(default_factory=list, max_length=100)
    software: str = Field(default="", max_length=60)  # the kiosk's version


class KioskReportAck(BaseModel):
    received_at: datetime
    drift_s: float  # platform clock minus kiosk clock, seconds (positive: kiosk is behind)
