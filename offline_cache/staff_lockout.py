"""The staff PIN's lockout kept in the kiosk's store, so a restart does not reset it:
wrong PINs since the last right one, until when sign-in is locked, and whether a PIN
was being checked (a power cut mid-check must not give a free guess)."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class LockoutRecord:
    failures: int = 0  # wrong PINs since the last right one
    locked_until: datetime | None = None  # kiosk clock
    checking: bool = False  # a PIN was being checked when this was written


class StaffLockoutStore:
    """One row (``staff_lockout``, store schema 7); every save is durable before it
    returns (the store runs synchronous=FULL)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._lock = threading.Lock()

    def load(self) -> LockoutRecord:
        with self._lock:
            row = self._db.execute(
                "SELECT failures, locked_until, checking FROM staff_lockout WHERE id = 1"
            ).fetchone()
        if row is None:
            return LockoutRecord()
        until = datetime.fromisoformat(row["locked_until"]) if row["locked_until"] else None
        return LockoutRecord(int(row["failures"]), until, bool(row["checking"]))

    def save(self, record: LockoutRecord) -> None:
        until = record.locked_until.isoformat() if record.locked_until else None
        with self._lock:
            self._db.execute(
                "INSERT INTO staff_lockout (id, failures, locked_until, checking)"
                " VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
                " failures = excluded.failures, locked_until = excluded.locked_until,"
                " checking = excluded.checking",
                (record.failures, until, int(record.checking)))
