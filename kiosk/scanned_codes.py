"""Every code the kiosk accepts, told apart: an e-ID code (who you are), a pickup code
(signed by the platform), or a reference number (from a slip). Anything else gets a
clear "this is not a code this kiosk knows"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from contracts.eid import EID_PREFIX, parse_eid
from contracts.errors import CodeError
from contracts.identity import Identity
from contracts.pickup_codes import PREFIX as PICKUP_PREFIX
from contracts.pickup_codes import PickupCode, verify_pickup_code

REFERENCE_PREFIX = "REF:"  # what a slip's QR code carries
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{1,31}-[0-9]{6}")
_CASE_DIGITS_MAX = 6  # case numbers print as six digits


@dataclass(frozen=True)
class ReferenceCode:
    reference: str


ScannedCode = Identity | PickupCode | ReferenceCode


def reference_problem(text: str) -> str | None:
    """None for a reference number as slips print it (XH-CCB-0001-000042)."""
    return None if _REFERENCE.fullmatch(text.strip().upper()) else "qr.unknown_code"


def typed_reference(text: str, kiosk_id: str) -> str | None:
    """A reference as staff type it: in full, or only its case number (digits, leading
    zeros optional), which is this kiosk's: slips printed here carry its id. None: neither."""
    text = text.strip().upper()
    if text.isdigit() and len(text) <= _CASE_DIGITS_MAX:
        return f"{kiosk_id}-{int(text):06d}"
    return text if reference_problem(text) is None else None


def is_pickup_code(text: str) -> bool:
    """Meant as a pickup code, whether or not it is genuine."""
    return text.strip().startswith(PICKUP_PREFIX)


def read_code(text: str, *, now: datetime, keys: dict[str, Ed25519PublicKey]) -> ScannedCode:
    text = text.strip()
    if text.startswith(EID_PREFIX):
        return parse_eid(text, now.date())
    if text.startswith(PICKUP_PREFIX):
        return verify_pickup_code(text, keys, now)
    reference = text.removeprefix(REFERENCE_PREFIX).upper()
    if reference_problem(reference) is None:
        return ReferenceCode(reference)
    raise CodeError("qr.unknown_code")
