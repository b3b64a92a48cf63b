"""The reference data a kiosk caches from the platform, and how each is checked.

Each document travels as JSON with a version (a hash of its content). The kiosk
validates a document with the same models it uses for its own files before it
replaces the cached copy: a broken download never replaces a good cache.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from contracts.catalog import Catalog
from contracts.datafile import describe_validation_error
from contracts.errors import KioskError
from contracts.pharmacies import Pharmacies
from contracts.pickup_codes import public_keys_from_b64
from contracts.platform_api import RoundConfig

CATALOG = "catalog"
PHARMACIES = "pharmacies"
PLATFORM_KEYS = "platform_keys"
NAMES = (CATALOG, PHARMACIES, PLATFORM_KEYS)  # served under /reference, versioned there
# Reservation rounds: fetched from /rounds (they change while the platform runs) and
# cached like the rest, so an offline kiosk still shows the rounds it last saw.
ROUNDS = "rounds"


class ReferenceDataError(KioskError):
    """A reference document is malformed; the message names the document and the key."""


class PlatformKeys(BaseModel):
    """The platform's Ed25519 public keys for pickup codes, by key id (rotation: several)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    keys: dict[str, str] = Field(min_length=1)

    @field_validator("keys")
    @classmethod
    def _raw_ed25519(cls, keys: dict[str, str]) -> dict[str, str]:
        public_keys_from_b64(keys)
        return keys

    def public_keys(self) -> dict[str, Ed25519PublicKey]:
        return public_keys_from_b64(self.keys)


class Rounds(BaseModel):
    """The reservation rounds the platform lists (open, upcoming and closed)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    rounds: tuple[RoundConfig, ...] = ()


_MODELS: dict[str, type[BaseModel]] = {
    CATALOG: Catalog,
    PHARMACIES: Pharmacies,
    PLATFORM_KEYS: PlatformKeys,
    ROUNDS: Rounds,
}


def version_of(body: dict[str, Any]) -> str:
    """The content hash both sides compute: canonical JSON, so key order does not matter."""
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def parse(name: str, body: dict[str, Any]) -> BaseModel:
    """The document as its model, or ``ReferenceDataError`` naming what is wrong."""
    model = _MODELS.get(name)
    if model is None:
        raise ReferenceDataError(f"unknown reference document {name!r}")
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise ReferenceDataError(f"{name}: {describe_validation_error(exc, body)}") from exc
