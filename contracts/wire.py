"""The kiosk<->platform wire: the one set of models both sides build and read.

The kiosk builds a transaction and its payload with these models and the
platform validates what arrives with the same ones, so a field renamed on one
side fails the other side's tests. Envelope fields are checked strictly; a
payload is checked against its kind's model item by item, so one bad item
never sinks a batch.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"

HEALTH_PATH = "/api/v1/health"
BATCH_PATH = "/api/v1/transactions/batch"
REFERENCE_PATH = "/api/v1/reference"
MAX_BATCH = 1000

TransactionKind = Literal["application", "rating"]
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
    reason: str = Field(default="", max_length=40)


Payload = ApplicationPayload | RatingPayload
PAYLOADS: dict[str, type[ApplicationPayload] | type[RatingPayload]] = {
    "application": ApplicationPayload, "rating": RatingPayload}


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
