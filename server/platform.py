"""The platform assembled: database, keys, reference data, HTTP app."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from contracts.clock import Clock, SystemClock
from server.app import create_app
from server.caches import PlatformCaches
from server.credentials import Role, enrol
from server.db import make_engine
from server.keyring import pseudonym_key
from server.rate_limits import RateLimits
from server.reference import load_reference
from server.sealing import PayloadCipher, load_cipher
from server.signing import PickupSigner, load_signing_key


@dataclass
class Platform:
    engine: Engine
    signer: PickupSigner
    app: FastAPI
    clock: Clock = field(default_factory=SystemClock)
    cipher: PayloadCipher | None = None  # opens the personal fields of stored transactions
    caches: PlatformCaches = field(default_factory=PlatformCaches)  # the app's (server.caches)

    def enrol(self, role: Role, ident: str) -> str:
        """A fresh token for a kiosk, staff member or administrator."""
        return enrol(self.engine, role, ident, self.clock.now().astimezone(UTC),
                     self.caches.credentials)


def build_platform(db_url: str, signing_key: Path, clock: Clock | None = None,
                   data_key: Path | None = None, data_key_text: str | None = None,
                   rate_limit: int | None = None, allow_test_beacon: bool = False
                   ) -> Platform:
    """``data_key``: the file of the key that seals personal fields and the pseudonym
    keys (default: beside the signing key); ``data_key_text``: the key itself, base64
    (PLATFORM_DATA_KEY), which wins; ``rate_limit``: requests per minute a credential may
    make of each limited kind; ``allow_test_beacon``: draws may use the test beacon chain
    (the demo platform only). A database whose pseudonym key this data key cannot open
    is refused (server.keyring.PseudonymKeyError).
    """
    clock = clock or SystemClock()
    cipher = load_cipher(data_key or default_data_key(signing_key), data_key_text)
    engine = make_engine(db_url)
    signer = PickupSigner(load_signing_key(signing_key))
    limits = RateLimits(default=rate_limit) if rate_limit is not None else None
    try:
        key = pseudonym_key(engine, cipher)
    except Exception:
        engine.dispose()
        raise
    caches = PlatformCaches()
    app = create_app(engine, load_reference([signer.public_key]), signer, key, clock, cipher,
                     limits=limits, allow_test_beacon=allow_test_beacon, caches=caches)
    return Platform(engine, signer, app, clock, cipher, caches)


def default_data_key(signing_key: Path) -> Path:
    return signing_key.with_name("platform-data.key")
