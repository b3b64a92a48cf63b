"""自助取件柜: staff load a case's goods into a compartment, citizens collect them.

Every door goes the same way: the compartment's state moves first (journalled, from the
state expected, so no compartment is assigned twice and no goods are released twice),
a line is journalled before the command goes to the board and another with its answer,
then the kiosk waits for the door sensor to say closed. A door that does not open, or is
not closed in time, becomes a fault staff see on the cabinet screen; a power cut
mid-door leaves the compartment in a moving state, which ``reconcile`` turns into a
fault after the restart and checks against what the platform believes.

The platform decides every collection: goods are released only after it redeemed the
case (by code, or by the citizen's card on this kiosk's reader), never offline.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, cast, get_args

from contracts.clock import Clock
from contracts.identity import Identity
from contracts.platform_api import CabinetCollect, CabinetLoad, CabinetUnload, Redemption
from devices.cabinet import CabinetFault, DoorState, LockBoards
from kiosk.cabinet_layout import CabinetLayout, Compartment, Size
from kiosk.progress import case_document
from offline_cache.cabinet_journal import (
    CabinetEvent,
    CabinetJournal,
    CompartmentRecord,
    CompartmentState,
    Fault,
    Phase,
)
from offline_cache.platform_client import PlatformClient, PlatformRefused, PlatformUnavailable

__all__ = [
    "CabinetDesk", "CabinetEvent", "CardCollection", "CompartmentState", "CompartmentView",
    "DoorAnswer", "DoorProblem", "Fault", "LoadAnswer", "LoadOutcome", "ReconcileReport",
]

log = logging.getLogger(__package__)

S = CompartmentState
_MOVING = (S.LOADING, S.RELEASING, S.RETURNING)
_PHASE_OF = {S.LOADING: Phase.LOAD, S.RELEASING: Phase.RELEASE, S.RETURNING: Phase.RETURN}


@dataclass(frozen=True, slots=True)
class CompartmentView:
    """A compartment as screens show it: where it is and what it holds."""

    compartment: Compartment
    state: CompartmentState
    reference: str | None
    confirmed: bool
    fault: Fault | None
    phase: Phase | None
    since: datetime

    @property
    def number(self) -> int:
        return self.compartment.number


class DoorProblem(StrEnum):
    JAMMED = "jammed"  # the board says the door stayed shut
    NO_ANSWER = "no_answer"  # the board did not answer: the door's state is unknown
    FULL = "full"  # no empty compartment of that size or larger
    ALREADY_HERE = "already_here"  # that case already has a compartment
    NOT_HERE = "not_here"  # nothing to do at that compartment now
    OFFLINE = "offline"  # this needs the platform, which cannot be reached now
    NOT_A_REFERENCE = "not_a_reference"


@dataclass(frozen=True, slots=True)
class DoorAnswer:
    view: CompartmentView | None
    problem: DoorProblem | None = None

    @property
    def opened(self) -> bool:
        return self.problem is None


class LoadOutcome(StrEnum):
    READY = "ready"  # the platform made the case ready for pickup here
    QUEUED = "queued"  # the platform could not be reached: told once it can
    REFUSED = "refused"  # the platform will not: take the goods back out (``reason``)
    LEFT_OPEN = "left_open"  # the door was not closed in time


@dataclass(frozen=True, slots=True)
class LoadAnswer:
    outcome: LoadOutcome
    view: CompartmentView | None
    reason: str = ""  # REFUSED: the platform's reason code
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CardCollection:
    """What the card on the reader redeemed here: compartments to open now, those
    redeemed that cannot be opened now (staff hand the goods over), and the person's
    cases already collected from this cabinet (when, by whom)."""

    to_open: tuple[CompartmentView, ...]
    already: tuple[Redemption, ...]
    owed: tuple[CompartmentView, ...] = ()


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    interrupted: tuple[int, ...] = ()  # stopped mid-door: now faults for staff
    confirmed: tuple[int, ...] = ()  # loads the platform has now been told of
    owed: tuple[int, ...] = ()  # redeemed on the platform, goods still inside
    unknown: tuple[str, ...] = ()  # the platform believes here, the journal does not
    platform_checked: bool = False


@dataclass
class CabinetDesk:
    boards: LockBoards
    journal: CabinetJournal
    platform: PlatformClient
    layout: CabinetLayout
    clock: Clock
    close_timeout_s: float = 60.0
    poll_s: float = 0.2
    # How the desk waits between door-sensor reads (tests keep the real one).
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def __post_init__(self) -> None:
        self.journal.ensure(c.number for c in self.layout.compartments)
        self.faults = self._count_faults()

    def _move(self, number: int, expect: tuple[CompartmentState, ...],
              to: CompartmentState, event: str, **changes: Any) -> bool:
        """A journal move, and the count of faults kept for the status bar (read on the
        UI thread without I/O)."""
        moved = self.journal.move(number, expect, to, event, **changes)
        if moved:
            self.faults = self._count_faults()
        return moved

    def _count_faults(self) -> int:
        return sum(1 for r in self.journal.all() if r.state is S.FAULT)

    # -- what is where ------------------------------------------------------------------
    def view(self) -> list[CompartmentView]:
        records = {r.number: r for r in self.journal.all()}
        return [self._view(c, records[c.number]) for c in self.layout.compartments
                if c.number in records]

    def compartment(self, number: int) -> CompartmentView | None:
        place, record = self.layout.get(number), self.journal.get(number)
        return self._view(place, record) if place and record else None

    def events(self, limit: int = 50) -> list[CabinetEvent]:
        return self.journal.events(limit=limit)

    def uncollected(self, days: float) -> list[CompartmentView]:
        """Loaded compartments whose goods have waited at least ``days``."""
        now = self.clock.now()
        return [v for v in self.view() if v.state is S.LOADED
                and (now - v.since).total_seconds() >= days * 86_400]

    # -- staff load -----------------------------------------------------------------------
    def load(self, reference: str, size: Size) -> DoorAnswer:
        """*Blocking*: choose an empty compartment for the case's goods and open it."""
        reference = reference.strip().upper()
        if not reference:
            return DoorAnswer(None, DoorProblem.NOT_A_REFERENCE)
        there = self.journal.holding(reference)
        if there is not None:
            return DoorAnswer(self.compartment(there.number), DoorProblem.ALREADY_HERE)
        try:
            number = self.journal.claim(self.layout.fitting(size), reference, "load_claimed")
        except ValueError:  # claimed by another worker between the two reads
            return DoorAnswer(None, DoorProblem.ALREADY_HERE)
        if number is None:
            return DoorAnswer(None, DoorProblem.FULL)
        return self._open(number, S.LOADING, Phase.LOAD)

    def finish_load(self, number: int, staff: str = "") -> LoadAnswer:
        """*Blocking*: wait for the door to close on the goods, then tell the platform."""
        if not self._wait_closed(number, S.LOADING, Phase.LOAD):
            return LoadAnswer(LoadOutcome.LEFT_OPEN, self.compartment(number))
        self._move(number, (S.LOADING,), S.LOADED, "door_closed", confirmed=False)
        return self._tell_platform(number, staff)

    def _tell_platform(self, number: int, staff: str = "") -> LoadAnswer:
        view = self.compartment(number)
        assert view is not None and view.reference is not None
        request = CabinetLoad(reference=view.reference, compartment=view.compartment.label,
                              staff=staff)
        try:
            answer = self.platform.load_into_cabinet(request)
        except (PlatformUnavailable, PlatformRefused) as exc:
            log.info("cabinet %s: the platform is told of the load later (%s)", number, exc)
            return LoadAnswer(LoadOutcome.QUEUED, view)
        if answer.status == "ready":
            self._move(number, (S.LOADED,), S.LOADED, "platform_ready",
                              confirmed=True)
            log.info("cabinet %s: %s ready for pickup", number, view.reference)
            return LoadAnswer(LoadOutcome.READY, self.compartment(number),
                              expires_at=answer.expires_at)
        log.warning("cabinet %s: the platform refused the load: %s", number, answer.reason)
        self._move(number, (S.LOADED,), S.FAULT, "platform_refused",
                          detail=answer.reason, fault=Fault.REFUSED, phase=Phase.LOAD)
        return LoadAnswer(LoadOutcome.REFUSED, self.compartment(number), answer.reason)

    # -- staff empty ----------------------------------------------------------------------
    def empty(self, number: int, reason: str = "uncollected", staff: str = "") -> DoorAnswer:
        """*Blocking*: open a compartment for staff to take out what is inside. Goods
        the platform made ready here are withdrawn there first (the code stops
        working), so that needs the platform."""
        view = self.compartment(number)
        if view is None or view.state in (S.EMPTY, *_MOVING):
            if view is not None and view.state is S.EMPTY:  # staff look inside
                if self._move(number, (S.EMPTY,), S.RETURNING, "inspect_opened",
                                     detail=staff):
                    return self._open(number, S.RETURNING, Phase.RETURN)
            return DoorAnswer(view, DoorProblem.NOT_HERE)
        if view.confirmed and view.reference is not None and view.fault is not Fault.OWED:
            try:
                answer = self.platform.unload_from_cabinet(CabinetUnload(
                    reference=view.reference, reason=_unload_reason(reason), staff=staff))
            except (PlatformUnavailable, PlatformRefused):
                return DoorAnswer(view, DoorProblem.OFFLINE)
            # "collected" here: redeemed, yet the goods are inside (owed): staff hand over
            log.info("cabinet %s: withdrawn on the platform (%s)", number,
                     answer.status if answer.status == "withdrawn" else answer.reason)
        if not self._move(number, (view.state,), S.RETURNING, "emptying",
                                 detail=reason):
            return DoorAnswer(self.compartment(number), DoorProblem.NOT_HERE)
        return self._open(number, S.RETURNING, Phase.RETURN)

    def finish_empty(self, number: int) -> bool:
        """*Blocking*: wait for staff to close the door; the compartment is then empty."""
        if not self._wait_closed(number, S.RETURNING, Phase.RETURN):
            return False
        return self._move(number, (S.RETURNING,), S.EMPTY, "emptied",
                                 clear_reference=True)

    # -- citizen collection -------------------------------------------------------------
    def redeemed(self, reference: str) -> CompartmentView | None:
        """The platform redeemed this case just now: its compartment, marked for
        release (state RELEASING: open it with ``open_for_citizen``), or a fault staff
        resolve when it cannot be opened now; None when it is not in here."""
        record = self.journal.holding(reference)
        if record is None:
            return None
        if record.state is S.LOADED and self._move(
                record.number, (S.LOADED,), S.RELEASING, "redeemed"):
            return self.compartment(record.number)
        # Its goods are here but the compartment cannot be opened now (a fault, a door
        # mid-way): owed to the citizen, handed over by staff.
        log.warning("cabinet %s: redeemed while %s", record.number, record.state)
        self._move(record.number, (record.state,), S.FAULT, "redeemed_unopened",
                   detail=str(record.fault or record.state), fault=Fault.OWED,
                   phase=Phase.RELEASE)
        return self.compartment(record.number)

    def collect(self, identity: Identity) -> CardCollection:
        """*Blocking*: the card on the reader redeems its holder's cases waiting here.
        Raises PlatformUnavailable: collection needs the platform's word."""
        document_type, number = case_document(identity)
        try:
            answer = self.platform.collect_from_cabinet(
                CabinetCollect(document_type=document_type, document_number=number))
        except PlatformRefused as exc:
            raise PlatformUnavailable(str(exc)) from exc
        to_open: list[CompartmentView] = []
        owed: list[CompartmentView] = []
        already: list[Redemption] = []
        for redemption in answer.redemptions:
            if redemption.status == "redeemed":
                view = self.redeemed(redemption.ref)
                if view is None:  # redeemed, yet not in this cabinet's journal
                    log.warning("cabinet: %s redeemed by card is not in the journal",
                                redemption.ref)
                elif view.state is S.RELEASING:
                    to_open.append(view)
                else:
                    owed.append(view)
            elif redemption.reason == "already_redeemed":
                already.append(redemption)
        return CardCollection(tuple(to_open), tuple(already), tuple(owed))

    def open_for_citizen(self, number: int) -> DoorAnswer:
        """*Blocking*: open a compartment the platform released. A door that stays
        shut leaves the goods owed to the citizen: a fault staff see."""
        return self._open(number, S.RELEASING, Phase.RELEASE)

    def finish_release(self, number: int) -> bool:
        """*Blocking*: wait for the door to close after the citizen took the goods."""
        if not self._wait_closed(number, S.RELEASING, Phase.RELEASE):
            return False
        log.info("cabinet %s: collected, door closed", number)
        return self._move(number, (S.RELEASING,), S.EMPTY, "collected",
                                 clear_reference=True)

    # -- after a restart, and from time to time -------------------------------------------
    def reconcile(self) -> ReconcileReport:
        """*Blocking*: compartments left mid-door become faults; loads the platform has
        not heard of are told; the journal is checked against the platform's view."""
        interrupted: list[int] = []
        confirmed: list[int] = []
        owed: list[int] = []
        for record in self.journal.all():
            if record.state in _MOVING:
                state = self._door_state(record.number)
                if self._move(record.number, (record.state,), S.FAULT, "interrupted",
                                     detail=f"door {state}", fault=Fault.INTERRUPTED,
                                     phase=_PHASE_OF[record.state]):
                    interrupted.append(record.number)
                    log.warning("cabinet %s: the kiosk stopped while the door was %s",
                                record.number, record.state)
        self.tidy()
        for record in self.journal.all():
            if record.state is S.LOADED and not record.confirmed:
                if self._tell_platform(record.number).outcome is LoadOutcome.READY:
                    confirmed.append(record.number)
        try:
            contents = self.platform.cabinet_contents()
        except (PlatformUnavailable, PlatformRefused):
            return ReconcileReport(tuple(interrupted), tuple(confirmed))
        local = {r.reference: r for r in self.journal.all() if r.reference}
        unknown: list[str] = []
        for slot in contents.slots:
            held = local.get(slot.reference)
            if held is None:
                if slot.status == "ready":
                    unknown.append(slot.reference)
                continue
            if slot.status == "collected" and held.state is S.LOADED:
                # Redeemed, but the kiosk never got to open the door (its answer lost)
                self._move(held.number, (S.LOADED,), S.FAULT, "redeemed_unopened",
                                  fault=Fault.OWED, phase=Phase.RELEASE)
                owed.append(held.number)
        if unknown:
            log.warning("cabinet: the platform has %d case(s) here the journal lacks",
                        len(unknown))
        return ReconcileReport(tuple(interrupted), tuple(confirmed), tuple(owed),
                               tuple(unknown), platform_checked=True)

    def tidy(self) -> list[int]:
        """*Blocking*: doors reported left open that are closed now finish what they
        were doing (emptied, collected, or loaded: then the platform is told)."""
        done = []
        for record in self.journal.all():
            if record.fault is not Fault.LEFT_OPEN \
                    or self._door_state(record.number) != DoorState.CLOSED:
                continue
            if record.phase is Phase.LOAD:
                moved = self._move(record.number, (S.FAULT,), S.LOADED, "closed_late",
                                          confirmed=False)
                if moved:
                    self._tell_platform(record.number)
            else:
                event = "collected" if record.phase is Phase.RELEASE else "emptied"
                moved = self._move(record.number, (S.FAULT,), S.EMPTY, event,
                                          detail="closed late", clear_reference=True)
            if moved:
                done.append(record.number)
        return done

    # -- the door itself -------------------------------------------------------------------
    def _open(self, number: int, state: CompartmentState, phase: Phase) -> DoorAnswer:
        place = self.layout.get(number)
        assert place is not None
        record = self.journal.get(number)
        reference = (record.reference or "") if record else ""
        self.journal.note(number, "open_sent", reference, f"{phase} {place.door}")
        fault = Fault.OWED if phase is Phase.RELEASE else Fault.JAMMED
        try:
            opening = self.boards.open_door(place.door)
        except CabinetFault as exc:
            log.warning("cabinet %s: no answer to open (%s)", number, exc)
            self._move(number, (state,), S.FAULT, "open_unanswered", detail=exc.cause,
                              fault=Fault.NO_ANSWER if phase is not Phase.RELEASE else fault,
                              phase=phase, clear_reference=phase is Phase.LOAD)
            return DoorAnswer(self.compartment(number), DoorProblem.NO_ANSWER)
        if not opening.opened:
            log.warning("cabinet %s: the door did not open (%s)", number, opening.state)
            self._move(number, (state,), S.FAULT, "open_failed",
                              detail=str(opening.state), fault=fault, phase=phase,
                              clear_reference=phase is Phase.LOAD)
            return DoorAnswer(self.compartment(number), DoorProblem.JAMMED)
        self.journal.note(number, "door_opened", reference)
        return DoorAnswer(self.compartment(number))

    def _wait_closed(self, number: int, state: CompartmentState, phase: Phase) -> bool:
        """Read the door sensor until closed; past the time allowed, a fault (the
        sensor keeps being read by ``tidy``)."""
        place = self.layout.get(number)
        assert place is not None
        deadline = time.monotonic() + self.close_timeout_s
        while True:
            try:
                if self.boards.door_state(place.door) is DoorState.CLOSED:
                    return True
            except CabinetFault as exc:  # a glitch on the line: keep asking until the end
                log.info("cabinet %s: door state not read (%s)", number, exc.cause)
            if time.monotonic() >= deadline:
                log.warning("cabinet %s: door not closed within %.0f s", number,
                            self.close_timeout_s)
                self._move(number, (state,), S.FAULT, "left_open",
                                  fault=Fault.LEFT_OPEN, phase=phase)
                return False
            self.sleep(self.poll_s)

    def _door_state(self, number: int) -> str:
        place = self.layout.get(number)
        if place is None:
            return "unknown"
        try:
            return str(self.boards.door_state(place.door))
        except CabinetFault:
            return "unknown"

    def _view(self, place: Compartment, record: CompartmentRecord) -> CompartmentView:
        return CompartmentView(place, record.state, record.reference, record.confirmed,
                               record.fault, record.phase, record.since)


UnloadReason = Literal["uncollected", "damaged", "mistake"]


def _unload_reason(reason: str) -> UnloadReason:
    for known in get_args(UnloadReason):
        if reason == known:
            return cast(UnloadReason, known)
    return "uncollected"
