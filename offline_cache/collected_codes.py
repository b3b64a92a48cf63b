"""Pickup codes collected at this kiosk, confirmed by the platform or honoured offline.

An offline kiosk cannot ask the platform whether a code was used: this record lets it
refuse a code it handed goods over for itself. Only a digest of the code is kept (the
code is a bearer token), with its case reference and when; nothing personal.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime

from contracts.clock import Clock


@dataclass(frozen=True, slots=True)
class CollectedHere:
    ref: str
    collected_at: datetime  # the kiosk's clock
    confirmed: bool  # the platform redeemed it (False: honoured offline, still queued)


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


class CollectedCodes:
    def __init__(self, db: sqlite3.Connection, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._lock = threading.Lock()

    def remember(self, code: str, ref: str, confirmed: bool) -> CollectedHere:
        """Note a collection now; a code noted before keeps its first time."""
        at = self._clock.now()
        with self._lock:
            self._db.execute(
                "INSERT INTO collected_codes (code_digest, ref, collected_at, confirmed)"
                " VALUES (?, ?, ?, ?) ON CONFLICT(code_digest) DO UPDATE SET"
                " confirmed = MAX(confirmed, excluded.confirmed)",
                (_digest(code), ref, at.isoformat(timespec="seconds"), int(confirmed)))
        found = self.find(code)
        assert found is not None
        return found

    def find(self, code: str) -> CollectedHere | None:
        with self._lock:
            row = self._db.execute(
                "SELECT ref, collected_at, confirmed FROM collected_codes WHERE code_digest = ?",
                (_digest(code),)).fetchone()
        if row is None:
            return None
        return CollectedHere(row["ref"], datetime.fromisoformat(row["collected_at"]),
                             bool(row["confirmed"]))
