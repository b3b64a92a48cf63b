"""Ed25519-signed pickup codes: genuine ones verify offline; forged, altered, expired
and damaged ones are refused with a message that says which."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.errors import CodeError
from contracts.pickup_codes import PREFIX, PickupCode, sign_pickup_code, verify_pickup_code
from kiosk.i18n import LANGUAGES, Translator

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=CST)
PLATFORM = Ed25519PrivateKey.generate()
KEYS = {"platform-2026": PLATFORM.public_key()}


def code(key: Ed25519PrivateKey = PLATFORM, kid: str = "platform-2026",
         expires: datetime = NOW + timedelta(days=3)) -> str:
    return sign_pickup_code(key, kid, ref="XH-CCB-0001-000042", item="mask-reservation",
                            site="徐汇区漕溪北路药房", window="2026-11-24 09:00-11:00",
                            expires=expires)


def refused(text: str, now: datetime = NOW) -> str:
    with pytest.raises(CodeError) as caught:
        verify_pickup_code(text, KEYS, now)
    return caught.value.key


def test_a_genuine_code_verifies_offline() -> None:
    assert verify_pickup_code(code(), KEYS, NOW) == PickupCode(
        ref="XH-CCB-0001-000042", item="mask-reservation", site="徐汇区漕溪北路药房",
        window="2026-11-24 09:00-11:00", expires=NOW + timedelta(days=3), kid="platform-2026")


def test_a_code_signed_by_another_key_under_an_unknown_name_is_forged() -> None:
    assert refused(code(Ed25519PrivateKey.generate(), kid="my-own-platform")) == "qr.forged_code"


def test_a_code_without_a_valid_signature_is_forged() -> None:
    signed = code().rpartition(".")[0]
    assert refused(signed + ".") == "qr.forged_code"
    assert refused(signed + ".AAAA") == "qr.forged_code"


def test_a_changed_claim_is_altered() -> None:
    signed, _, signature = code().rpartition(".")
    claims = json.loads(base64.urlsafe_b64decode(signed.removeprefix(PREFIX) + "=="))
    claims["site"] = "别处药房"
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    assert refused(f"{PREFIX}{body}.{signature}") == "qr.altered_code"


def test_a_trusted_name_with_a_foreign_key_is_caught_as_altered() -> None:
    assert refused(code(Ed25519PrivateKey.generate())) == "qr.altered_code"


def test_expiry_is_checked_after_the_signature() -> None:
    expires = NOW + timedelta(hours=1)
    assert verify_pickup_code(code(expires=expires), KEYS, expires - timedelta(seconds=1))
    assert refused(code(expires=expires), now=expires) == "qr.expired_code"


@pytest.mark.parametrize("text", ["GKP1.", "GKP1.abc", "GKP1.!!!.???", "GKP1.e30.AAAA",
                                  PREFIX + "x" * 2000 + ".y"])
def test_damaged_codes(text: str) -> None:
    assert refused(text) == "qr.damaged_code"


@pytest.mark.parametrize("text", ["", "https://example.com", "EID1:abc", "gkp1.abc.def"])
def test_other_codes_are_not_pickup_codes(text: str) -> None:
    assert refused(text) == "qr.unknown_code"


def test_every_refusal_has_words_in_both_languages() -> None:
    for lang in LANGUAGES:
        t = Translator(lang)
        for key in ("qr.forged_code", "qr.altered_code", "qr.expired_code", "qr.damaged_code",
                    "qr.unknown_code"):
            assert t.has(key)


def test_expiry_needs_a_time_zone() -> None:
    with pytest.raises(ValueError, match="time zone"):
        code(expires=datetime(2026, 12, 1))


@given(st.text(max_size=300))
@settings(max_examples=500, deadline=None)
def test_any_text_is_refused_with_a_code_error_or_verifies(text: str) -> None:
    try:
        verify_pickup_code(PREFIX + text, KEYS, NOW)
    except CodeError:
        pass


@given(st.integers(0, 200), st.integers(1, 255))
@settings(max_examples=300, deadline=None)
def test_flipping_any_character_never_verifies(position: int, delta: int) -> None:
    genuine = code()
    index = position % len(genuine)
    flipped = genuine[:index] + chr((ord(genuine[index]) + delta) % 0x7F or 1) + genuine[index + 1:]
    if flipped == genuine:
        return
    try:
        verify_pickup_code(flipped, KEYS, NOW)
    except CodeError:
        return
    # Only a change in base64's unused trailing bits verifies: the bytes are the genuine ones.
    assert decoded_parts(flipped) == decoded_parts(genuine)


def decoded_parts(text: str) -> list[bytes]:
    return [base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
            for part in text.removeprefix(PREFIX).split(".")]
