"""The outbox: every transaction is here, durable, before the citizen is told "submitted".

Rows are never deleted before the server acknowledged them. Personal data is
sealed (AES-GCM) with the row's id bound in.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kiosk.clock import Clock
from kiosk.security import DataCipher


class State(StrEnum):
    PENDING = "pending"
    ACKNOWLEDGED = "acknowledged"
    QUARANTINED = "quarantined"


@dataclass(frozen=True, slots=True)
class CaseStatus:
    item_id: str
    state: State
    reason: str  # the platform's reason when it refused the item for good
    created_at: str


@dataclass(frozen=True, slots=True)
class Transaction:
    id: str
    kiosk_id: str
    seq: int
    kind: str
    item_id: str
    reference: str
    created_at: str
    payload: dict[str, Any]  # personal: identity, answers, decision

    def wire(self) -> dict[str, Any]:
        """The form the platform ingests."""
        return {
            "id": self.id,
            "kiosk_id": self.kiosk_id,
            "seq": self.seq,
            "kind": self.kind,
            "item_id": self.item_id,
            "reference": self.reference,
            "created_at": self.created_at,
            "payload": self.payload,
        }


@dataclass(frozen=True, slots=True)
class QueueSummary:
    pending: int
    quarantined: int
    oldest_pending: str | None
    last_success: str | None
    last_error: str


class Outbox:
    def __init__(self, db: sqlite3.Connection, cipher: DataCipher, clock: Clock, kiosk_id: str):
        self._db = db
        self._cipher = cipher
        self._clock = clock
        self.kiosk_id = kiosk_id
        self._lock = threading.Lock()  # one writer at a time on the shared connection

    def enqueue(self, kind: str, item_id: str, payload: dict[str, Any]) -> Transaction:
        """Write durably and return the transaction (with its sequence and reference)."""
        tx_id = str(uuid.uuid4())
        created = self._clock.now().isoformat(timespec="seconds")
        sealed = self._cipher.seal(json.dumps(payload, ensure_ascii=False).encode(), tx_id.encode())
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                seq = self._next_seq()
                reference = f"{self.kiosk_id}-{seq:06d}"
                self._db.execute(
                    "INSERT INTO outbox (id, kiosk_id, seq, kind, item_id, reference, sealed,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (tx_id, self.kiosk_id, seq, kind, item_id, reference, sealed, created),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return Transaction(tx_id, self.kiosk_id, seq, kind, item_id, reference, created, payload)

    def _next_seq(self) -> int:
        row = self._db.execute(
            "INSERT INTO counters (name, value) VALUES ('seq', 1)"
            " ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value"
        ).fetchone()
        return int(row[0])

    def pending(self, limit: int) -> list[Transaction]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM outbox WHERE state = ? ORDER BY seq LIMIT ?",
                (State.PENDING, limit),
            ).fetchall()
        return [self._unseal(r) for r in rows]

    def get(self, tx_id: str) -> Transaction:
        with self._lock:
            row = self._db.execute("SELECT * FROM outbox WHERE id = ?", (tx_id,)).fetchone()
        if row is None:
            raise LookupError(tx_id)
        return self._unseal(row)

    def state_of(self, tx_id: str) -> State:
        with self._lock:
            row = self._db.execute("SELECT state FROM outbox WHERE id = ?", (tx_id,)).fetchone()
        if row is None:
            raise LookupError(tx_id)
        return State(row[0])

    def case_status(self, reference: str) -> CaseStatus | None:
        """Where an application made here stands, by its slip's reference (nothing personal)."""
        with self._lock:
            row = self._db.execute(
                "SELECT item_id, state, last_error, created_at FROM outbox"
                " WHERE reference = ? AND kind = 'application'", (reference,)).fetchone()
        if row is None:
            return None
        reason = row["last_error"] if row["state"] == State.QUARANTINED else ""
        return CaseStatus(row["item_id"], State(row["state"]), reason, row["created_at"])

    def _unseal(self, row: sqlite3.Row) -> Transaction:
        payload = json.loads(self._cipher.open(row["sealed"], row["id"].encode()))
        return Transaction(
            row["id"], row["kiosk_id"], row["seq"], row["kind"], row["item_id"],
            row["reference"], row["created_at"], payload,
        )

    def mark_acknowledged(self, ids: list[str]) -> None:
        self._set_state(ids, State.ACKNOWLEDGED, "")

    def quarantine(self, tx_id: str, reason: str) -> None:
        self._set_state([tx_id], State.QUARANTINED, reason)

    def record_failure(self, ids: list[str], error: str) -> None:
        with self._lock:
            self._db.executemany(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                [(error, i) for i in ids],
            )

    def _set_state(self, ids: list[str], state: State, error: str) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "UPDATE outbox SET state = ?, last_error = ?, attempts = attempts + 1 WHERE id = ?",
                [(state, error, i) for i in ids],
            )
            self._db.execute("COMMIT")

    def note_sync(self, success: bool, error: str = "") -> None:
        now = self._clock.now().isoformat(timespec="seconds")
        with self._lock:
            if success:
                self._db.execute(
                    "UPDATE sync_log SET last_success = ?, last_attempt = ?, last_error = ''"
                    " WHERE id = 1",
                    (now, now),
                )
            else:
                self._db.execute(
                    "UPDATE sync_log SET last_attempt = ?, last_error = ? WHERE id = 1",
                    (now, error),
                )

    def summary(self) -> QueueSummary:
        with self._lock:
            counts = dict(
                self._db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall()
            )
            oldest = self._db.execute(
                "SELECT MIN(created_at) FROM outbox WHERE state = ?", (State.PENDING,)
            ).fetchone()[0]
            log = self._db.execute("SELECT last_success, last_error FROM sync_log").fetchone()
        return QueueSummary(
            pending=counts.get(State.PENDING, 0),
            quarantined=counts.get(State.QUARANTINED, 0),
            oldest_pending=oldest,
            last_success=log["last_success"],
            last_error=log["last_error"],
        )
