"""The outbox: every transaction is here, durable, before the citizen is told "submitted".

A row moves pending -> sending -> acknowledged -> purged. "sending" is written
before a batch leaves, so a row found "sending" at start-up belonged to a pass
that died mid-flight: it goes back to pending and is sent again (the platform
deduplicates by the row's UUID). Rows are never removed before the platform
acknowledged them; after the retention period the personal data is erased and a
tombstone (reference, state, times) stays for staff and progress lookup.
An item the platform refuses for good is quarantined with its reason.

Personal data is sealed (AES-GCM) with the row's id bound in.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from contracts.clock import Clock
from contracts.wire import Transaction, TransactionKind
from offline_cache.disk_space import DiskFull, is_disk_full
from offline_cache.sealing import DataCipher, DataKeyMissing, SealError
from offline_cache.sync_errors import SyncError

T = TypeVar("T")


class State(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    ACKNOWLEDGED = "acknowledged"
    QUARANTINED = "quarantined"
    PURGED = "purged"


# Not yet accepted by the platform: what the status bar counts as "to upload".
UNSENT = (State.PENDING, State.SENDING)


@dataclass(frozen=True, slots=True)
class CaseStatus:
    item_id: str
    state: State
    reason: str  # the platform's reason when it refused the item for good
    created_at: str


@dataclass(frozen=True, slots=True)
class QuarantinedItem:
    """A refused item as staff see it: nothing personal, the slip's reference to act on."""

    reference: str
    kind: str
    item_id: str
    created_at: str
    reason: str


@dataclass(frozen=True, slots=True)
class QueueSummary:
    pending: int  # not yet accepted by the platform (pending or sending)
    quarantined: int
    acknowledged: int  # accepted, personal data still held (within retention)
    purged: int
    oldest_pending: str | None  # kiosk clock
    last_success: str | None
    last_error: str
    clock_offset_s: float | None  # kiosk minus platform at the last check
    clock_checked_at: str | None

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


def sealed_records(db: sqlite3.Connection) -> int:
    """How many records hold sealed personal data (everything but purged tombstones)."""
    return int(db.execute("SELECT COUNT(*) FROM outbox WHERE state != ?",
                          (State.PURGED,)).fetchone()[0])


def summarize(db: sqlite3.Connection) -> QueueSummary:
    """The queue's state from any connection (the kiosk's, or a read-only staff tool's)."""
    counts = dict(db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall())
    oldest = db.execute(
        "SELECT MIN(created_at) FROM outbox WHERE state IN (?, ?)", UNSENT
    ).fetchone()[0]
    log = db.execute("SELECT * FROM sync_log").fetchone()
    return QueueSummary(
        pending=counts.get(State.PENDING, 0) + counts.get(State.SENDING, 0),
        quarantined=counts.get(State.QUARANTINED, 0),
        acknowledged=counts.get(State.ACKNOWLEDGED, 0),
        purged=counts.get(State.PURGED, 0),
        oldest_pending=oldest,
        last_success=log["last_success"],
        last_error=log["last_error"],
        clock_offset_s=log["clock_offset_s"],
        clock_checked_at=log["clock_checked_at"],
    )


def quarantined_items(db: sqlite3.Connection) -> list[QuarantinedItem]:
    rows = db.execute(
        "SELECT reference, kind, item_id, created_at, last_error FROM outbox"
        " WHERE state = ? ORDER BY seq", (State.QUARANTINED,)).fetchall()
    return [QuarantinedItem(r["reference"], r["kind"], r["item_id"], r["created_at"],
                            r["last_error"]) for r in rows]


class Outbox:
    def __init__(self, db: sqlite3.Connection, cipher: DataCipher, clock: Clock, kiosk_id: str,
                 on_full: Callable[[], bool] | None = None):
        """``on_full``: frees space when a write that drains the queue finds the disk full
        (True: it did, the write is tried once more; offline_cache.disk_space)."""
        self._db = db
        self._cipher = cipher
        self._clock = clock
        self.kiosk_id = kiosk_id
        self._on_full = on_full
        self._lock = threading.Lock()  # one writer at a time on the shared connection

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it reaches the disk, or none of it (``DiskFull``
        when the disk had no room for it)."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
                try:
                    self._db.execute("COMMIT")
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
            except sqlite3.OperationalError as exc:
                if is_disk_full(exc):
                    raise DiskFull() from exc
                raise

    def _drain(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """A write that moves the queue towards empty: on a full disk the space reserve is
        released and it is tried once more, so a full disk can still be drained."""
        try:
            with self._write() as db:
                return work(db)
        except DiskFull:
            if self._on_full is None or not self._on_full():
                raise
        with self._write() as db:
            return work(db)

    def _stamp(self) -> str:
        return self._clock.now().isoformat(timespec="seconds")

    def _utc_stamp(self, delta: timedelta = timedelta(0)) -> str:
        """For comparisons in SQL: one offset, so the strings order like the times."""
        return (self._clock.now() - delta).astimezone(UTC).isoformat(timespec="seconds")

    # -- writing ----------------------------------------------------------------
    def enqueue(self, kind: TransactionKind, item_id: str, payload: dict[str, Any], *,
                reference: str | None = None) -> Transaction:
        """Write durably and return the transaction (with its sequence and reference).

        Without ``reference`` the transaction opens a case and gets the next case number
        (the slip's reference); a transaction about a case (a rating) passes that case's
        reference, so case numbers run 000001, 000002, ... with no gaps."""
        tx_id = str(uuid.uuid4())
        created = self._stamp()
        sealed = self._cipher.seal(json.dumps(payload, ensure_ascii=False).encode(), tx_id.encode())
        with self._write() as db:
            seq = int(db.execute(
                "INSERT INTO counters (name, value) VALUES ('seq', 1)"
                " ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value"
            ).fetchone()[0])
            if reference is None:
                # A store from before case numbers had their own counter starts it past
                # every sequence number used, so no old reference is given again.
                case = int(db.execute(
                    "INSERT INTO counters (name, value) VALUES ('case', ?)"
                    " ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value",
                    (seq,)).fetchone()[0])
                reference = f"{self.kiosk_id}-{case:06d}"
            db.execute(
                "INSERT INTO outbox (id, kiosk_id, seq, kind, item_id, reference, sealed,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (tx_id, self.kiosk_id, seq, kind, item_id, reference, sealed, created),
            )
        return Transaction(id=tx_id, kiosk_id=self.kiosk_id, seq=seq, kind=kind, item_id=item_id,
                           reference=reference, created_at=created, payload=payload)

    def recover(self) -> int:
        """At start-up, under the instance lock: a pass that died mid-flight is resent."""
        return self._drain(lambda db: db.execute(
            "UPDATE outbox SET state = ? WHERE state = ?",
            (State.PENDING, State.SENDING)).rowcount)

    def claim(self, limit: int) -> list[Transaction]:
        """The oldest pending rows, marked sending before they leave."""
        return self.claim_counted(limit)[0]

    def claim_counted(self, limit: int) -> tuple[list[Transaction], int]:
        """The oldest pending rows, marked sending before they leave, and how many rows were
        quarantined instead: a row this kiosk's keys cannot open (altered, or sealed with a
        key it no longer holds) cannot hold up the rest, and the pass counts it."""
        def mark(db: sqlite3.Connection) -> list[sqlite3.Row]:
            rows = db.execute("SELECT * FROM outbox WHERE state = ? ORDER BY seq LIMIT ?",
                              (State.PENDING, limit)).fetchall()
            db.executemany("UPDATE outbox SET state = ?, attempts = attempts + 1 WHERE id = ?",
                           [(State.SENDING, r["id"]) for r in rows])
            return rows

        rows = self._drain(mark)
        batch, unreadable = [], 0
        for row in rows:
            try:
                batch.append(self._unseal(row))
            except SealError:
                self.quarantine(row["id"], SyncError.UNREADABLE)
                unreadable += 1
        return batch, unreadable

    def check_key(self, sample: int = 5) -> None:
        """At start: the keys open the newest records still held (``DataKeyMissing`` if
        none of them opens: the key was replaced, and every row would end quarantined)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM outbox WHERE state IN (?, ?, ?) ORDER BY seq DESC LIMIT ?",
                (*UNSENT, State.ACKNOWLEDGED, sample)).fetchall()
        failures = 0
        for row in rows:
            try:
                self._unseal(row)
            except SealError:
                failures += 1
        if rows and failures == len(rows):
            raise DataKeyMissing(
                "the data key does not open the queued records (another key is set): restore"
                " the key they were sealed with, or add it to the .old key file")

    def acknowledge(self, ids: list[str], received_at: str | None = None) -> None:
        stamp = self._utc_stamp()
        self._drain(lambda db: db.executemany(
            "UPDATE outbox SET state = ?, last_error = '', acknowledged_at = ?,"
            " received_at = ? WHERE id = ? AND state = ?",
            [(State.ACKNOWLEDGED, stamp, received_at, i, State.SENDING) for i in ids]))

    def quarantine(self, tx_id: str, reason: str) -> None:
        self._drain(lambda db: db.execute(
            "UPDATE outbox SET state = ?, last_error = ? WHERE id = ?",
            (State.QUARANTINED, reason, tx_id)))

    def release(self, ids: list[str], error: str) -> None:
        """Sending failed or went unanswered: back to pending, the error kept for staff."""
        self._drain(lambda db: db.executemany(
            "UPDATE outbox SET state = ?, last_error = ? WHERE id = ? AND state = ?",
            [(State.PENDING, error, i, State.SENDING) for i in ids]))

    def purge(self, retention: timedelta) -> int:
        """Erase the personal data of rows acknowledged longer than ``retention`` ago."""
        cutoff = self._utc_stamp(retention)
        return self._drain(lambda db: db.execute(
            "UPDATE outbox SET state = ?, sealed = x'' WHERE state = ?"
            " AND acknowledged_at <= ?", (State.PURGED, State.ACKNOWLEDGED, cutoff)).rowcount)

    def note_sync(self, success: bool, error: str = "") -> None:
        now = self._stamp()
        if success:
            self._drain(lambda db: db.execute(
                "UPDATE sync_log SET last_success = ?, last_attempt = ?, last_error = ''"
                " WHERE id = 1", (now, now)))
        else:
            self._drain(lambda db: db.execute(
                "UPDATE sync_log SET last_attempt = ?, last_error = ? WHERE id = 1",
                (now, error)))

    def note_clock(self, offset_s: float, checked_at: datetime) -> None:
        self._drain(lambda db: db.execute(
            "UPDATE sync_log SET clock_offset_s = ?, clock_checked_at = ? WHERE id = 1",
            (offset_s, checked_at.isoformat(timespec="seconds"))))

    # -- reading ----------------------------------------------------------------
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

    def unsent(self, kind: TransactionKind) -> list[Transaction]:
        """Transactions of ``kind`` the platform has not accepted yet, oldest first. Unsealed:
        personal (a person's own queued entries are shown to them, never logged)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM outbox WHERE kind = ? AND state IN (?, ?) ORDER BY seq",
                (kind, *UNSENT)).fetchall()
        return [self._unseal(row) for row in rows]

    def summary(self) -> QueueSummary:
        with self._lock:
            return summarize(self._db)

    def quarantined(self) -> list[QuarantinedItem]:
        with self._lock:
            return quarantined_items(self._db)

    def _unseal(self, row: sqlite3.Row) -> Transaction:
        if row["state"] == State.PURGED:
            raise SealError("purged after the retention period")
        payload = json.loads(self._cipher.open(row["sealed"], row["id"].encode()))
        return Transaction(id=row["id"], kiosk_id=row["kiosk_id"], seq=row["seq"],
                           kind=row["kind"], item_id=row["item_id"], reference=row["reference"],
                           created_at=row["created_at"], payload=payload)
