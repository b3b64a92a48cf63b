"""The slip journal: every slip the kiosk tried to print, kept until staff no longer
need it. A slip that may not have printed stays ``failed`` (or ``printing``, if the
power went during the job) so staff can reprint it; every reprint is counted."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
from dataclasses import dataclass
from enum import StrEnum

from contracts.clock import Clock
from contracts.slip import Slip


class JobKind(StrEnum):
    SLIP = "slip"  # a citizen's slip
    COPY = "copy"  # a reprint by staff, marked COPY
    TEST = "test"  # a test page after loading paper


class SlipState(StrEnum):
    PRINTING = "printing"  # sent, no answer yet (or the kiosk stopped during the job)
    PRINTED = "printed"
    FAILED = "failed"  # the printer refused or failed: may not have printed


@dataclass(frozen=True)
class JournalEntry:
    id: int
    reference: str
    slip: Slip
    state: SlipState
    copies: int
    created_at: str
    last_error: str


def _to_json(slip: Slip) -> str:
    return json.dumps(dataclasses.asdict(slip), ensure_ascii=False)


def _from_json(text: str) -> Slip:
    data = json.loads(text)
    data["rows"] = tuple(tuple(row) for row in data["rows"])
    data["notes"] = tuple(data["notes"])
    return Slip(**data)


class SlipJournal:
    def __init__(self, db: sqlite3.Connection, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._lock = threading.Lock()

    def record(self, slip: Slip, kind: JobKind = JobKind.SLIP,
               copy_of: int | None = None) -> int:
        """Before the job goes to the printer (durable: the journal survives a power cut)."""
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO slip_journal (reference, kind, slip, created_at, copy_of)"
                " VALUES (?, ?, ?, ?, ?)",
                (slip.reference, kind, _to_json(slip),
                 self._clock.now().isoformat(timespec="seconds"), copy_of))
            return int(cursor.lastrowid or 0)

    def finished(self, entry_id: int, error: str = "") -> None:
        """The job's outcome. A copy that printed counts as a reprint of its original,
        and the original is then in the citizen's hand: no longer unconfirmed."""
        state = SlipState.FAILED if error else SlipState.PRINTED
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("UPDATE slip_journal SET state = ?, last_error = ? WHERE id = ?",
                             (state, error, entry_id))
            if not error:
                self._db.execute(
                    "UPDATE slip_journal SET copies = copies + 1, state = ? WHERE id ="
                    " (SELECT copy_of FROM slip_journal WHERE id = ?)",
                    (SlipState.PRINTED, entry_id))
            self._db.execute("COMMIT")

    def last(self) -> JournalEntry | None:
        """The last citizen's slip (copies and test pages are not what staff reprint)."""
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM slip_journal WHERE kind = ? ORDER BY id DESC LIMIT 1",
                (JobKind.SLIP,)).fetchone()
        return self._entry(row) if row else None

    def find(self, reference: str) -> JournalEntry | None:
        """A citizen's slip by its reference (the latest, should one have been journalled
        twice); copies and test pages are not looked up."""
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM slip_journal WHERE reference = ? AND kind = ?"
                " ORDER BY id DESC LIMIT 1", (reference, JobKind.SLIP)).fetchone()
        return self._entry(row) if row else None

    def not_printed(self) -> list[JournalEntry]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM slip_journal WHERE state != ? AND kind = ? ORDER BY id",
                (SlipState.PRINTED, JobKind.SLIP)).fetchall()
        return [self._entry(row) for row in rows]

    def copy_of(self, entry_id: int, label: str) -> tuple[int, Slip]:
        """The slip again, marked as a copy (``label`` gets the number this copy will have
        once it prints), journalled as a job of its own; it counts when it has printed."""
        with self._lock:
            row = self._db.execute("SELECT * FROM slip_journal WHERE id = ?",
                                   (entry_id,)).fetchone()
        if row is None:
            raise LookupError(entry_id)
        original = _from_json(row["slip"])
        marker = label.format(n=row["copies"] + 1)
        if original.marker:
            marker = f"{marker} · {original.marker}"
        copy = dataclasses.replace(original, marker=marker)
        return self.record(copy, JobKind.COPY, copy_of=entry_id), copy

    def _entry(self, row: sqlite3.Row) -> JournalEntry:
        return JournalEntry(row["id"], row["reference"], _from_json(row["slip"]),
                            SlipState(row["state"]), row["copies"], row["created_at"],
                            row["last_error"])
