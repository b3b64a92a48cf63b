"""``cabinet-test``: open one door of a real or mock cabinet and say what the boards saw.

Exit codes: 0 the door opened; 1 it did not (jammed, no answer, garbled answer, line
lost: the reason is printed); 2 a bad target (a cabinet spec, board or door that does not
exist, or a port that cannot be opened).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from devices.cabinet.codec import XorBoardFamily
from devices.cabinet.doors import CabinetFault, Door, DoorOpening, DoorState
from devices.cabinet.driver import ANSWER_TIMEOUT_S, BAUDRATE, SerialLockBoards
from devices.serialport import PortLocator, UsbPort, locator_for
from devices.status import Cause

OPENED, NOT_OPENED, BAD_TARGET = 0, 1, 2


@dataclass
class TryOutcome:
    code: int
    out: list[str] = field(default_factory=list)  # for stdout
    err: list[str] = field(default_factory=list)  # for stderr


def cabinet_locator(spec: str) -> PortLocator:
    """'serial:/dev/ttyUSB0' (a path, a /dev/serial/by-id link best) or 'usb:VID:PID[:SERIAL]'."""
    kind, _, target = spec.partition(":")
    if kind == "serial" and target:
        return locator_for(target, None)
    if kind == "usb" and target:
        return UsbPort.parse(target)
    raise ValueError(f"cabinet {spec!r} must look like serial:PATH or usb:VID:PID")


def try_door(spec: str, door: Door, *, locks: int | None = None,
             baudrate: int = BAUDRATE, answer_timeout_s: float = ANSWER_TIMEOUT_S
             ) -> TryOutcome:
    family = XorBoardFamily()
    try:
        locator = cabinet_locator(spec)
        boards = SerialLockBoards(locator, {door.board: locks or family.channels()},
                                  family=family, baudrate=baudrate,
                                  answer_timeout_s=answer_timeout_s)
        if not 1 <= door.lock <= boards.boards[door.board]:
            raise ValueError(f"board {door.board} has doors 1..{boards.boards[door.board]}, "
                             f"not {door.lock}")
    except ValueError as exc:
        return TryOutcome(BAD_TARGET, err=[f"error: {exc}"])
    try:
        return _try(boards, door)
    finally:
        boards.close()


def _try(boards: SerialLockBoards, door: Door) -> TryOutcome:
    try:
        opening = boards.open_door(door)
    except CabinetFault as fault:
        if fault.cause == Cause.OPEN_FAILED:
            return TryOutcome(BAD_TARGET, err=[f"error: the port cannot be opened: {fault.where}"])
        outcome = TryOutcome(NOT_OPENED, err=[f"door {door} not opened: {_why(fault)}"])
    else:
        outcome = TryOutcome(OPENED if opening.opened else NOT_OPENED, out=[_said(opening)])
    outcome.out.append(_states(boards, door.board))
    return outcome


def _said(opening: DoorOpening) -> str:
    if opening.opened:
        return f"door {opening.door} opened (door sensor: {opening.state})"
    return (f"door {opening.door} not opened: the board pulsed the lock and the door stayed "
            f"shut (jammed, or goods pressing on it; door sensor: {opening.state})")


def _why(fault: CabinetFault) -> str:
    reasons: dict[str, str] = {
        Cause.NO_ANSWER: "the board did not answer (address switch, wiring, power)",
        Cause.BAD_FRAME: "the board's answer was garbled (wiring, termination, baud rate)",
        Cause.LINE_LOST: "the serial line went away (unplugged)",
        Cause.OPEN_FAILED: "the serial port could not be opened",
    }
    reason = reasons.get(fault.cause, fault.cause)
    return f"{reason} [{fault.where}: {fault}]"


def _states(boards: SerialLockBoards, board: int) -> str:
    try:
        states = boards.door_states(board)
    except CabinetFault as fault:
        return f"board {board} door states: not read ({_why(fault)})"
    shown = " ".join(f"{lock}:{'OPEN' if state is DoorState.OPEN else 'closed'}"
                     for lock, state in states.items())
    return f"board {board} door states: {shown}"
