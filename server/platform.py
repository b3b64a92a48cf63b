"""The platform assembled: database, keys, reference data, HTTP app."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from contracts.clock import Clock, SystemClock
from server.app import create_app
from server.credentials import Role, enrol
from server.db import make_engine
from server.persons import pseudonym_key
from server.reference import load_reference
from server.signing import PickupSigner, load_signing_key


@dataclass
class Platform:
    engine: Engine
    signer: PickupSigner
    app: FastAPI
    clock: Clock = field(default_factory=SystemClock)

    def enrol(self, role: Role, ident: str) -> str:
        """A fresh token for a kiosk, staff member or administrator."""
        return enrol(self.engine, role, ident, self.clock.now().astimezone(UTC))


def build_platform(db_url: str, signing_key: Path, clock: Clock | None = None) -> Platform:
    clock = clock or SystemClock()
    engine = make_engine(db_url)
    signer = PickupSigner(load_signing_key(signing_key))
    app = create_app(engine, load_reference([signer.public_key]), signer,
                     pseudonym_key(engine), clock)
    return Platform(engine, signer, app, clock)
