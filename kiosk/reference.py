"""The reference data the core works from: the platform's documents as last cached,
falling back to what the kiosk ships until a platform has answered once."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import BaseModel

from contracts.catalog import Catalog
from contracts.pharmacies import Pharmacies
from contracts.platform_api import RoundConfig
from contracts.reference_data import (
    CATALOG,
    PHARMACIES,
    PLATFORM_KEYS,
    ROUNDS,
    PlatformKeys,
    ReferenceDataError,
    Rounds,
    parse,
)
from offline_cache.reference_cache import ReferenceCache


def _cached(references: ReferenceCache, name: str) -> BaseModel | None:
    """A cached document as its model; None if there is none, or if this kiosk's
    (perhaps newer) models no longer accept it: it is fetched again when online."""
    doc = references.get(name)
    if doc is None:
        return None
    try:
        return parse(name, doc.body)
    except ReferenceDataError:
        return None


def cached_catalog(references: ReferenceCache, bundled: Catalog) -> Catalog:
    """The platform's catalog as last fetched; the bundled file until there is one."""
    parsed = _cached(references, CATALOG)
    return parsed if isinstance(parsed, Catalog) else bundled


def cached_pharmacies(references: ReferenceCache) -> Pharmacies | None:
    parsed = _cached(references, PHARMACIES)
    return parsed if isinstance(parsed, Pharmacies) else None


def cached_pickup_keys(references: ReferenceCache) -> dict[str, Ed25519PublicKey]:
    """The platform's published pickup-code keys, by key id (empty: never fetched)."""
    published = _cached(references, PLATFORM_KEYS)
    return published.public_keys() if isinstance(published, PlatformKeys) else {}


def cached_rounds(references: ReferenceCache) -> tuple[RoundConfig, ...]:
    """The reservation rounds as the platform last listed them (empty: never fetched)."""
    listed = _cached(references, ROUNDS)
    return listed.rounds if isinstance(listed, Rounds) else ()
