"""The reference documents the platform serves to kiosks, each with a content version."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from contracts.datafile import read_toml
from contracts.errors import DataFileError
from contracts.pinyin_initials import with_initials
from contracts.reference_data import CATALOG, PHARMACIES, PLATFORM_KEYS, parse, version_of
from server.signing import key_id, public_key_b64

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CATALOG = ROOT / "contracts" / "data" / "catalog.toml"
DEFAULT_PHARMACIES = ROOT / "server" / "data" / "pharmacies.toml"


@dataclass(frozen=True, slots=True)
class ReferenceDoc:
    version: str
    body: dict[str, Any]


def load_reference(public_keys: list[Ed25519PublicKey], catalog: Path = DEFAULT_CATALOG,
                   pharmacies: Path = DEFAULT_PHARMACIES) -> dict[str, ReferenceDoc]:
    """Read and check every document at start-up: a platform never serves a bad one."""
    bodies = {
        # Served with every item's pinyin initials: kiosks search by them without pypinyin.
        CATALOG: with_initials(read_toml(catalog, DataFileError)),
        PHARMACIES: read_toml(pharmacies, DataFileError),
        PLATFORM_KEYS: {"keys": {key_id(k): public_key_b64(k) for k in public_keys}},
    }
    docs = {}
    for name, body in bodies.items():
        parse(name, body)
        docs[name] = ReferenceDoc(version_of(body), body)
    return docs
