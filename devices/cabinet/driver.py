"""The real lock-board driver: one serial line, several boards, over pyserial.

Blocking by design: call from a worker thread. One lock serialises the line, so a
health ``check`` never interleaves with an opening; an opening holds it for both of
its exchanges (the open and the read that follows). Troubles on the line become a
``CabinetFault`` for the caller and a ``DeviceStatus`` for staff; the driver survives
unplugging (and reconnects through its locator), a silent board, garbled answers and
late answers (it waits for a quiet line before the next command, as the protocol has
no sequence numbers: a late answer would pass for the answer to the next one).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import serial

from devices.cabinet.codec import (
    Answer,
    BoardAnswer,
    CodecError,
    LockAnswer,
    LockProtocol,
    XorBoardFamily,
)
from devices.cabinet.doors import CabinetFault, Door, DoorOpening, DoorState
from devices.serialport import (
    OPEN_ERRORS,
    SERIAL_ERRORS,
    PortLocator,
    SerialFactory,
    close_quietly,
    open_serial,
)
from devices.status import Cause, DeviceStatus, Level, where

log = logging.getLogger(__package__)

# The delays of the cabinet, in one place (docs/cabinet.md, "Timing").
BAUDRATE = 9600  # the boards' factory setting, 8N1
# An answer is 5 to 12 bytes (5 to 12.5 ms at 9600 baud); the descriptions let a board
# take up to about 200 ms, and an open answers after the lock's pulse (about 300 ms on
# some boards): 0.5 s is a board that is not there.
ANSWER_TIMEOUT_S = 0.5
# After a timeout or a garbled answer: the line must stay this quiet before the next
# command, so a late answer is not taken for the next command's.
QUIET_S = 0.1
RECONNECT_S = 1.0  # between attempts to reopen an unplugged adapter
# pyserial's read slice: how often a blocked read looks at its deadline.
_SLICE_S = 0.01
# Consecutive failed exchanges with one board before it counts as a fault.
_FAULT_AFTER = 3


@dataclass(frozen=True, slots=True)
class _Trouble:
    count: int
    cause: Cause
    detail: str


class SerialLockBoards:
    """``LockBoards`` over one serial line. ``boards`` maps each board address on the
    line to the number of lock channels in use on it; a door outside them is a
    ValueError (a wrong layout), not a fault of the cabinet."""

    def __init__(
        self,
        locator: PortLocator,
        boards: Mapping[int, int],
        *,
        family: LockProtocol | None = None,
        baudrate: int = BAUDRATE,
        answer_timeout_s: float = ANSWER_TIMEOUT_S,
        quiet_s: float = QUIET_S,
        reconnect_s: float = RECONNECT_S,
        factory: SerialFactory = serial.Serial,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.family: LockProtocol = family or XorBoardFamily()
        for board, locks in boards.items():
            self.family.encode_query_all(board)  # a ValueError for an impossible address
            if not 1 <= locks <= self.family.channels():
                raise ValueError(f"board {board}: {locks} locks, the boards report "
                                 f"1..{self.family.channels()}")
        if not boards:
            raise ValueError("a cabinet has at least one board")
        self.locator = locator
        self.boards = dict(sorted(boards.items()))
        self.baudrate = baudrate
        self.answer_timeout_s = answer_timeout_s
        self.quiet_s = quiet_s
        self.reconnect_s = reconnect_s
        self._factory = factory
        self._now = monotonic
        self._lock = threading.Lock()
        self._port: serial.Serial | None = None
        self._next_attempt = 0.0
        self._troubles: dict[int, _Trouble] = {}
        self._status = DeviceStatus(Level.WARNING, "connecting", locator.describe(),
                                    Cause.NOT_CHECKED, locator.describe())

    # -- LockBoards -----------------------------------------------------------------
    def open_door(self, door: Door) -> DoorOpening:
        self._check_door(door)
        with self._lock:
            answer = self._exchange(self.family.encode_open(door), door.board)
            opened = _lock_state(answer) is DoorState.OPEN
            # The open's answer says what the contact was at the pulse; the door sensor
            # a moment later is what the person sees.
            try:
                state = _lock_state(self._exchange(self.family.encode_query(door), door.board))
            except CabinetFault as fault:
                if self._port is None:
                    raise
                log.warning("cabinet: door %s: the read after the open failed (%s)", door,
                            fault.cause)
                state = DoorState.OPEN if opened else DoorState.CLOSED
        log.info("cabinet: door %s %s (sensor %s)", door,
                 "opened" if opened else "did not open", state)
        return DoorOpening(door, opened, state)

    def door_state(self, door: Door) -> DoorState:
        self._check_door(door)
        with self._lock:
            return _lock_state(self._exchange(self.family.encode_query(door), door.board))

    def door_states(self, board: int) -> dict[int, DoorState]:
        if board not in self.boards:
            raise ValueError(f"no board {board} in this cabinet")
        with self._lock:
            return self._board_states(board)

    def status(self) -> DeviceStatus:
        return self._status

    def check(self) -> DeviceStatus:
        """Read every board once (reconnecting a replugged adapter); while an opening
        holds the line, the last status."""
        if self._lock.acquire(blocking=False):
            try:
                for board in self.boards:
                    try:
                        self._board_states(board)
                    except CabinetFault:
                        if self._port is None:
                            break
            finally:
                self._lock.release()
        return self._status

    def close(self) -> None:
        with self._lock:
            self._drop_port(DeviceStatus(Level.FAULT, "unplugged", "closed", Cause.CLOSED,
                                         self.locator.describe()))

    # -- answers --------------------------------------------------------------------
    def _check_door(self, door: Door) -> None:
        locks = self.boards.get(door.board)
        if locks is None:
            raise ValueError(f"no board {door.board} in this cabinet")
        if not 1 <= door.lock <= locks:
            raise ValueError(f"board {door.board} has locks 1..{locks}, not {door.lock}")

    def _board_states(self, board: int) -> dict[int, DoorState]:
        answer = self._exchange(self.family.encode_query_all(board), board)
        assert isinstance(answer, BoardAnswer)
        return {lock: answer.states[lock] for lock in range(1, self.boards[board] + 1)}

    # -- the line -------------------------------------------------------------------
    def _exchange(self, request: bytes, board: int) -> Answer:
        """Send one command and return the addressed board's answer; CabinetFault when
        the line is gone, the board stays silent or its answer is garbled."""
        port = self._ensure_open()
        try:
            answer = self._transact(port, request, board)
        except SERIAL_ERRORS as exc:
            self._drop_port(self._port_trouble(Cause.LINE_LOST, exc))
            raise CabinetFault(f"line lost: {exc}", Cause.LINE_LOST,
                               where(self.locator.describe(), exc)) from exc
        except CabinetFault as fault:
            self._board_trouble(board, Cause(fault.cause), str(fault))
            raise
        self._board_healthy(board)
        return answer

    def _transact(self, port: serial.Serial, request: bytes, board: int) -> Answer:
        port.reset_input_buffer()  # whatever is there is a late answer to an earlier command
        decoder = self.family.decoder(request)
        port.write(request)
        deadline = self._now() + self.answer_timeout_s
        garbled: CodecError | None = None
        chunk = b""
        while self._now() < deadline:
            try:
                answers = decoder.feed(chunk)
            except CodecError as exc:
                # Noise that looked like an answer; the real one may follow in the bytes
                # already read, or a moment later. Past a quiet spell it will not come.
                garbled, chunk = exc, b""
                deadline = min(deadline, self._now() + self.quiet_s)
                continue
            if answers:
                return answers[0]
            chunk = port.read(max(1, port.in_waiting))
        self._drain(port)
        where_ = f"{self.locator.describe()} board {board}"
        if garbled is not None:
            raise CabinetFault(f"garbled answer ({garbled})", Cause.BAD_FRAME,
                               where_)
        raise CabinetFault(f"no answer within {self.answer_timeout_s:g} s",
                           Cause.NO_ANSWER, where_)

    def _drain(self, port: serial.Serial) -> None:
        """Wait for a quiet line (bounded by one answer timeout)."""
        give_up = self._now() + self.answer_timeout_s
        quiet_until = self._now() + self.quiet_s
        while (now := self._now()) < give_up and now < quiet_until:
            if port.read(max(1, port.in_waiting)):
                quiet_until = self._now() + self.quiet_s

    # -- connection and status ------------------------------------------------------
    def _ensure_open(self) -> serial.Serial:
        if self._port is not None:
            return self._port
        place = self.locator.describe()
        if self._now() < self._next_attempt:
            raise CabinetFault(f"{place} is not open (retrying)", self._status.cause or
                               Cause.OPEN_FAILED, self._status.where or place)
        self._next_attempt = self._now() + self.reconnect_s
        try:
            self._port = open_serial(self.locator, self.baudrate, _SLICE_S, self._factory)
        except OPEN_ERRORS as exc:
            self._set_status(self._port_trouble(Cause.OPEN_FAILED, exc))
            raise CabinetFault(f"{place} could not be opened: {exc}", Cause.OPEN_FAILED,
                               where(place, exc)) from exc
        self._troubles.clear()
        return self._port

    def _drop_port(self, status: DeviceStatus) -> None:
        port, self._port = self._port, None
        close_quietly(port)
        self._set_status(status)
        self._next_attempt = self._now() + self.reconnect_s

    def _port_trouble(self, cause: Cause, exc: BaseException) -> DeviceStatus:
        place = self.locator.describe()
        return DeviceStatus(Level.FAULT, "unplugged", f"{place}: {exc}", cause,
                            where(place, exc))

    def _board_trouble(self, board: int, cause: Cause, detail: str) -> None:
        before = self._troubles.get(board)
        self._troubles[board] = _Trouble((before.count if before else 0) + 1, cause, detail)
        self._set_status(self._boards_status())

    def _board_healthy(self, board: int) -> None:
        self._troubles.pop(board, None)
        self._set_status(self._boards_status())

    def _boards_status(self) -> DeviceStatus:
        """The worst board: a board that failed its last exchanges is not responding."""
        if not self._troubles:
            return DeviceStatus.ready()
        board, trouble = max(self._troubles.items(), key=lambda item: item[1].count)
        level = Level.FAULT if trouble.count >= _FAULT_AFTER else Level.WARNING
        return DeviceStatus(level, "not_responding", trouble.detail, trouble.cause,
                            f"{self.locator.describe()} board {board}")

    def _set_status(self, status: DeviceStatus) -> None:
        self._status = status  # (devices/hub.py logs each change once, for every device)


def _lock_state(answer: Answer) -> DoorState:
    assert isinstance(answer, LockAnswer)  # the family's decoder for a one-lock command
    return answer.state
