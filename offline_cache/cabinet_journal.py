"""The cabinet journal: each compartment's state, and every door command and door change.

A state changes only from the state the caller expects (compare-and-set, in one
transaction with its journal line), so a compartment is never assigned twice and two
workers cannot both release the same goods. A case reference sits in at most one
compartment (a unique index). The kiosk writes a line *before* it sends a door command
and another once the board answered: a power cut between the two leaves the first
alone, which ``CabinetDesk.reconcile`` shows to staff after the restart.

Nothing personal is kept: a compartment knows a case reference, never whose it is.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from contracts.clock import Clock


class CompartmentState(StrEnum):
    EMPTY = "empty"
    LOADING = "loading"  # opened for staff to put a case's goods in
    LOADED = "loaded"  # holds the goods; ``confirmed`` once the platform made it ready
    RETURNING = "returning"  # opened for staff to take goods back out (emptying)
    RELEASING = "releasing"  # redeemed: opened for the citizen to take the goods
    FAULT = "fault"  # staff must look: ``fault`` says why; the reference stays


class Fault(StrEnum):
    JAMMED = "jammed"  # the board reported the door still shut after the open command
    LEFT_OPEN = "left_open"  # not closed within the time allowed
    INTERRUPTED = "interrupted"  # the kiosk stopped (power cut) mid-door
    NO_ANSWER = "no_answer"  # the board did not answer the command: state unknown
    OWED = "owed"  # redeemed on the platform, the door never opened for the citizen
    REFUSED = "refused"  # the platform refused the load and the goods are still inside


class Phase(StrEnum):
    """What the door was opened for, kept with a fault: a door left open and found
    closed later finishes what it was doing."""

    LOAD = "load"
    RELEASE = "release"
    RETURN = "return"


@dataclass(frozen=True, slots=True)
class CompartmentRecord:
    number: int
    state: CompartmentState
    reference: str | None
    confirmed: bool
    fault: Fault | None
    phase: Phase | None
    since: datetime


@dataclass(frozen=True, slots=True)
class CabinetEvent:
    seq: int
    at: datetime
    number: int
    event: str
    reference: str
    detail: str


class CabinetJournal:
    def __init__(self, db: sqlite3.Connection, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._lock = threading.Lock()

    def ensure(self, numbers: Iterable[int]) -> None:
        """A row for every compartment of the layout (new ones start empty)."""
        now = self._now()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "INSERT OR IGNORE INTO cabinet_compartments (number, since) VALUES (?, ?)",
                [(n, now) for n in numbers])
            self._db.execute("COMMIT")

    # -- reading --------------------------------------------------------------------
    def all(self) -> list[CompartmentRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM cabinet_compartments ORDER BY number").fetchall()
        return [_record(r) for r in rows]

    def get(self, number: int) -> CompartmentRecord | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM cabinet_compartments WHERE number = ?",
                                   (number,)).fetchone()
        return _record(row) if row else None

    def holding(self, reference: str) -> CompartmentRecord | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM cabinet_compartments WHERE reference = ?",
                                   (reference,)).fetchone()
        return _record(row) if row else None

    def events(self, number: int | None = None, limit: int = 50) -> list[CabinetEvent]:
        """The latest journal lines, newest first."""
        query = "SELECT * FROM cabinet_events"
        args: tuple[int, ...] = ()
        if number is not None:
            query += " WHERE number = ?"
            args = (number,)
        with self._lock:
            rows = self._db.execute(f"{query} ORDER BY seq DESC LIMIT ?",
                                    (*args, limit)).fetchall()
        return [CabinetEvent(r["seq"], datetime.fromisoformat(r["at"]), r["number"],
                             r["event"], r["reference"], r["detail"]) for r in rows]

    # -- writing --------------------------------------------------------------------
    def claim(self, candidates: Iterable[int], reference: str, event: str) -> int | None:
        """Take the first empty compartment of ``candidates`` for ``reference`` (state
        LOADING); None when none is empty. ``ValueError`` when the reference already
        has a compartment: one case, one place."""
        now = self._now()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                if self._db.execute("SELECT 1 FROM cabinet_compartments WHERE reference = ?",
                                    (reference,)).fetchone():
                    raise ValueError(f"{reference} already has a compartment")
                for number in candidates:
                    taken = self._db.execute(
                        "UPDATE cabinet_compartments SET state = ?, reference = ?, confirmed = 0,"
                        " fault = '', phase = '', since = ? WHERE number = ? AND state = ?",
                        (CompartmentState.LOADING, reference, now, number,
                         CompartmentState.EMPTY)).rowcount
                    if taken:
                        self._append(number, event, reference, "", now)
                        self._db.execute("COMMIT")
                        return number
                self._db.execute("COMMIT")
                return None
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def move(self, number: int, expect: Iterable[CompartmentState], to: CompartmentState,
             event: str, *, detail: str = "", fault: Fault | None = None,
             phase: Phase | None = None, confirmed: bool | None = None,
             clear_reference: bool = False) -> bool:
        """Move a compartment on, only from a state in ``expect``, with its journal line.
        False: it was not in such a state (another worker moved it first)."""
        now = self._now()
        expected = tuple(expect)
        marks = ", ".join("?" * len(expected))
        sets = ["state = ?", "fault = ?", "phase = ?", "since = ?"]
        values: list[object] = [to, fault.value if fault else "", phase.value if phase else "",
                                now]
        if confirmed is not None:
            sets.append("confirmed = ?")
            values.append(int(confirmed))
        if clear_reference:
            sets += ["reference = NULL", "confirmed = 0"]
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute(
                    "SELECT reference FROM cabinet_compartments WHERE number = ?",
                    (number,)).fetchone()
                moved = row is not None and self._db.execute(
                    f"UPDATE cabinet_compartments SET {', '.join(sets)}"
                    f" WHERE number = ? AND state IN ({marks})",
                    (*values, number, *expected)).rowcount > 0
                if moved:
                    self._append(number, event, row["reference"] or "", detail, now)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return moved

    def note(self, number: int, event: str, reference: str = "", detail: str = "") -> None:
        """A journal line alone: a door command about to go out, the board's answer."""
        with self._lock:
            self._append(number, event, reference, detail, self._now())

    def _append(self, number: int, event: str, reference: str, detail: str,
                now: str) -> None:
        self._db.execute("INSERT INTO cabinet_events (at, number, event, reference, detail)"
                         " VALUES (?, ?, ?, ?, ?)", (now, number, event, reference, detail))

    def _now(self) -> str:
        return self._clock.now().isoformat(timespec="seconds")


def _record(row: sqlite3.Row) -> CompartmentRecord:
    return CompartmentRecord(row["number"], CompartmentState(row["state"]), row["reference"],
                             bool(row["confirmed"]),
                             Fault(row["fault"]) if row["fault"] else None,
                             Phase(row["phase"]) if row["phase"] else None,
                             datetime.fromisoformat(row["since"]))
