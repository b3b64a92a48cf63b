"""Pickup codes: signed by the platform with Ed25519, verified by the kiosk offline.

    GKP1.<base64url(JSON claims)>.<base64url(signature)>

The signature covers the ASCII text ``GKP1.<claims>``. Claims: ``kid`` (which
platform key signed), ``ref`` (the case's reference number), ``item``,
``site`` and ``window`` (where and when to collect) and ``exp`` (an ISO 8601
time with its offset). The kiosk holds the platform's public keys by ``kid``.

What the kiosk can tell apart, and says:
- not signed by a key it trusts (unknown ``kid``, no or malformed signature): forged;
- signed by a trusted key, but the text no longer matches the signature: altered
  (a forger who copies a trusted ``kid`` also lands here: no check can tell
  a changed code from a made-up one that borrows a real key's name);
- valid signature, past ``exp``: expired.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from contracts.errors import CodeError

PREFIX = "GKP1."
MAX_CODE = 1024
_CLAIMS = ("kid", "ref", "item", "site", "window", "exp")


@dataclass(frozen=True)
class PickupCode:
    ref: str
    item: str
    site: str
    window: str
    expires: datetime
    kid: str


def public_keys_from_b64(keys: dict[str, str]) -> dict[str, Ed25519PublicKey]:
    """Key id -> base64 of a raw 32-byte Ed25519 public key, as the config and the
    platform give them; ValueError naming the first bad one."""
    out = {}
    for kid, value in keys.items():
        try:
            raw = base64.b64decode(value, validate=True)
        except ValueError as exc:
            raise ValueError(f"key {kid!r} is not base64") from exc
        if len(raw) != 32:
            raise ValueError(f"key {kid!r} is not a raw 32-byte Ed25519 public key")
        out[kid] = Ed25519PublicKey.from_public_bytes(raw)
    return out


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_pickup_code(key: Ed25519PrivateKey, kid: str, *, ref: str, item: str, site: str,
                     window: str, expires: datetime) -> str:
    """The platform's side (server/, tests, the demo)."""
    if expires.tzinfo is None:
        raise ValueError("a pickup code's expiry needs a time zone")
    claims = {"kid": kid, "ref": ref, "item": item, "site": site, "window": window,
              "exp": expires.isoformat()}
    signed = PREFIX + _b64(json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode())
    return f"{signed}.{_b64(key.sign(signed.encode()))}"


def verify_pickup_code(text: str, keys: dict[str, Ed25519PublicKey], now: datetime) -> PickupCode:
    """The claims of a genuine, unexpired code; CodeError naming what is wrong otherwise."""
    if not text.startswith(PREFIX):
        raise CodeError("qr.unknown_code")
    if len(text) > MAX_CODE or text.count(".") != 2:
        raise CodeError("qr.damaged_code")
    signed, _, signature_b64 = text.rpartition(".")
    try:
        claims = json.loads(_unb64(signed.removeprefix(PREFIX)))
        signature = _unb64(signature_b64)
    except (binascii.Error, ValueError, RecursionError) as exc:
        raise CodeError("qr.damaged_code") from exc
    if not isinstance(claims, dict) or not all(isinstance(claims.get(k), str) for k in _CLAIMS):
        raise CodeError("qr.damaged_code")
    key = keys.get(claims["kid"])
    if key is None or len(signature) != 64:
        raise CodeError("qr.forged_code")
    try:
        key.verify(signature, signed.encode())
    except InvalidSignature as exc:
        raise CodeError("qr.altered_code") from exc
    try:
        expires = datetime.fromisoformat(claims["exp"])
    except ValueError as exc:
        raise CodeError("qr.damaged_code") from exc
    if expires.tzinfo is None:
        raise CodeError("qr.damaged_code")
    if now >= expires:
        raise CodeError("qr.expired_code")
    return PickupCode(ref=claims["ref"], item=claims["item"], site=claims["site"],
                      window=claims["window"], expires=expires, kid=claims["kid"])


def read_unverified(text: str) -> PickupCode | None:
    """The claims a code carries, its signature NOT checked; None when it has none.

    For two uses only: naming the key a code claims (a kiosk without that key cannot
    call the code forged), and reading where and when to collect from a code the
    platform itself handed over its authenticated link (a case view's pickup code).
    Never to honour a code."""
    if not text.startswith(PREFIX) or len(text) > MAX_CODE or text.count(".") != 2:
        return None
    signed = text.rpartition(".")[0]
    try:
        claims = json.loads(_unb64(signed.removeprefix(PREFIX)))
        expires = datetime.fromisoformat(claims["exp"])
    except (binascii.Error, ValueError, RecursionError, KeyError, TypeError):
        return None
    if not isinstance(claims, dict) or not all(isinstance(claims.get(k), str) for k in _CLAIMS):
        return None
    return PickupCode(ref=claims["ref"], item=claims["item"], site=claims["site"],
                      window=claims["window"], expires=expires, kid=claims["kid"])
