"""The kiosk's copy of the platform's reference data: catalog, pharmacies, public keys,
reservation rounds.

Refreshed when online (only what changed: the platform lists versions first);
read at start-up, so a kiosk that starts offline serves from its last copy.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import ValidationError

from contracts.clock import Clock
from contracts.platform_api import ROUNDS_PATH
from contracts.reference_data import (
    NAMES,
    ROUNDS,
    ReferenceDataError,
    Rounds,
    parse,
    version_of,
)
from contracts.wire import REFERENCE_PATH, ReferenceBody, Versions


@dataclass(frozen=True, slots=True)
class Document:
    name: str
    version: str
    body: dict[str, Any]
    fetched_at: str


@dataclass(frozen=True, slots=True)
class RefreshReport:
    updated: tuple[str, ...] = ()
    # A document the platform sent that failed validation: the cached copy stays.
    rejected: tuple[str, ...] = ()


class ReferenceCache:
    def __init__(self, db: sqlite3.Connection, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._lock = threading.Lock()

    def get(self, name: str) -> Document | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM reference_cache WHERE name = ?",
                                   (name,)).fetchone()
        if row is None:
            return None
        return Document(row["name"], row["version"], json.loads(row["body"]), row["fetched_at"])

    def versions(self) -> dict[str, str]:
        with self._lock:
            rows = self._db.execute("SELECT name, version FROM reference_cache").fetchall()
        return {r["name"]: r["version"] for r in rows}

    def put(self, name: str, body: dict[str, Any]) -> Document:
        """Validate, then store; the version is recomputed here, never taken on trust."""
        parse(name, body)
        doc = Document(name, version_of(body), body,
                       self._clock.now().isoformat(timespec="seconds"))
        with self._lock:
            self._db.execute(
                "INSERT INTO reference_cache (name, version, body, fetched_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(name) DO UPDATE SET version = excluded.version,"
                " body = excluded.body, fetched_at = excluded.fetched_at",
                (name, doc.version, json.dumps(body, ensure_ascii=False), doc.fetched_at))
        return doc

    def refresh(self, client: httpx.Client) -> RefreshReport:
        """Fetch what changed. Network and server errors propagate (the caller backs off)."""
        response = client.get(REFERENCE_PATH)
        response.raise_for_status()
        offered = Versions.model_validate(response.json()).versions
        have = self.versions()
        updated, rejected = [], []
        for name in NAMES:
            if name not in offered or have.get(name) == offered[name]:
                continue
            got = client.get(f"{REFERENCE_PATH}/{name}")
            got.raise_for_status()
            try:
                self.put(name, ReferenceBody.model_validate(got.json()).body)
            except (ReferenceDataError, ValidationError) as exc:
                rejected.append(f"{name}: {exc}")
                continue
            updated.append(name)
        got = client.get(ROUNDS_PATH)
        got.raise_for_status()
        try:
            body = Rounds.model_validate(got.json()).model_dump(mode="json")
            if have.get(ROUNDS) != version_of(body):
                self.put(ROUNDS, body)
                updated.append(ROUNDS)
        except (ReferenceDataError, ValidationError) as exc:
            rejected.append(f"{ROUNDS}: {exc}")
        return RefreshReport(tuple(updated), tuple(rejected))
