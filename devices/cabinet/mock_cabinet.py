"""A pickup cabinet on a pseudo-terminal: lock boards that speak the 8A/80 protocol
byte for byte.

The boards sit on a ``PtyLine`` (devices/pty_line.py): the driver opens the slave through
the symlink ``link``, which unplug and replug keep. Both directions are paced at the
baud rate (10 bits a byte, 8N1): a command is acted on once its last byte would have
arrived, an answer leaves byte time by byte time.

Doors open on command and close when pushed (``push_closed``: the console, the staff
screen or a test), or by themselves after ``auto_close_s`` in the demo. Field testers
inject faults live: a jammed door (the lock does not release), a door left open (the
next door opened stays open whatever auto-close says), a silent board, a garbled next
answer, unplug and replug. A board answers only when addressed, and never to a lock it
does not have or to a frame it cannot read, as the boards do.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from devices.cabinet.codec import OPEN, QUERY, CodecError, Command, CommandDecoder, XorBoardFamily
from devices.cabinet.doors import Door, DoorState
from devices.pty_line import OnPtyLine, incoming, write_paced
from devices.pty_line import wire_time_s as wire_time_s  # where the benches find it


@dataclass(frozen=True)
class MockCabinetState:
    """What the console, the staff screen and tests see of the mock cabinet."""

    plugged: bool
    boards: int
    doors: int  # per board
    open_doors: tuple[Door, ...]
    jammed: tuple[Door, ...]
    held_open: tuple[Door, ...]  # left open: auto-close leaves them alone
    silent_boards: tuple[int, ...]
    leave_open_armed: bool  # the next door opened will be left open
    garble_armed: bool  # the next answer will be garbled
    auto_close_s: float | None
    commands: int  # commands received since start, answered or not (the line was used)


class MockCabinet(OnPtyLine):
    def __init__(self, link: Path, boards: int = 1, doors: int = 12, *, baudrate: int = 9600,
                 pace: bool = True, auto_close_s: float | None = None,
                 family: XorBoardFamily | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.family = family or XorBoardFamily()
        if not 1 <= boards <= 99:
            raise ValueError("a mock cabinet has 1 to 99 boards")
        if not 1 <= doors <= self.family.channels():
            raise ValueError(f"a board has 1 to {self.family.channels()} doors")
        if auto_close_s is not None and auto_close_s <= 0:
            raise ValueError("auto_close_s is a positive number of seconds, or None")
        self.boards = boards
        self.doors = doors
        self.baudrate = baudrate
        self.pace = pace
        self.auto_close_s = auto_close_s
        self._now = monotonic
        self._lock = threading.Lock()
        self._opened_at: dict[Door, float] = {}  # open doors, since when
        self._jammed: set[Door] = set()
        self._held_open: set[Door] = set()
        self._silent: set[int] = set()
        self._leave_open = False
        self._garble = False
        self._commands = 0
        super().__init__(link, self._serve, name="mock-cabinet")

    # -- the field tester's controls ------------------------------------------------
    def door(self, text: str) -> Door:
        """A door as typed: "B:L", or "L" on board 1; ValueError if there is none."""
        board, _, lock = text.rpartition(":")
        door = Door(int(board) if board else 1, int(lock))
        self._check(door)
        return door

    def push_closed(self, door: Door) -> None:
        """Someone pushes the door shut (the latch catches it)."""
        self._check(door)
        with self._lock:
            self._opened_at.pop(door, None)
            self._held_open.discard(door)

    def open_by_hand(self, door: Door) -> None:
        """A door found open (forced, or opened with the service key)."""
        self._check(door)
        with self._lock:
            self._opened_at.setdefault(door, self._now())
            self._held_open.add(door)

    def jam(self, door: Door, on: bool = True) -> None:
        """A jammed lock does not release: an open command leaves the door shut."""
        self._check(door)
        with self._lock:
            (self._jammed.add if on else self._jammed.discard)(door)

    def leave_open_next(self, on: bool = True) -> None:
        """The next door opened is left open: nobody closes it, auto-close or not."""
        with self._lock:
            self._leave_open = on

    def silence(self, board: int, on: bool = True) -> None:
        """The board stops answering (its address switch knocked, its power lost)."""
        if not 1 <= board <= self.boards:
            raise ValueError(f"board must be 1 to {self.boards}")
        with self._lock:
            (self._silent.add if on else self._silent.discard)(board)

    def garble_next(self) -> None:
        """The next answer arrives with a wrong XOR (noise on the line)."""
        with self._lock:
            self._garble = True

    def state(self) -> MockCabinetState:
        with self._lock:
            self._auto_close()
            return MockCabinetState(
                plugged=self.plugged, boards=self.boards, doors=self.doors,
                open_doors=tuple(sorted(self._opened_at)), jammed=tuple(sorted(self._jammed)),
                held_open=tuple(sorted(self._held_open)),
                silent_boards=tuple(sorted(self._silent)), leave_open_armed=self._leave_open,
                garble_armed=self._garble, auto_close_s=self.auto_close_s,
                commands=self._commands)

    def door_state(self, door: Door) -> DoorState:
        with self._lock:
            self._auto_close()
            return DoorState.OPEN if door in self._opened_at else DoorState.CLOSED

    # -- the boards -----------------------------------------------------------------
    def _check(self, door: Door) -> None:
        if not (1 <= door.board <= self.boards and 1 <= door.lock <= self.doors):
            raise ValueError(f"no door {door}: boards 1..{self.boards}, "
                             f"doors 1..{self.doors} on each")

    def _auto_close(self) -> None:
        """Doors close by themselves (the demo) unless left open; lazily, when looked at."""
        if self.auto_close_s is None:
            return
        due = self._now() - self.auto_close_s
        for door, since in list(self._opened_at.items()):
            if since <= due and door not in self._held_open:
                del self._opened_at[door]

    def _answer(self, command: Command) -> bytes | None:
        """The addressed board's answer, or None where a board stays silent."""
        with self._lock:
            self._commands += 1
            self._auto_close()
            if (not 1 <= command.board <= self.boards or command.board in self._silent
                    or command.lock > self.doors):
                return None
            if command.lock == 0:
                if command.command != QUERY:
                    return None  # open-all (8A b 00 11): not modelled; see docs/cabinet.md
                answer = self.family.encode_board_answer(command.board, {
                    lock: self._state(Door(command.board, lock))
                    for lock in range(1, self.doors + 1)})
            else:
                door = Door(command.board, command.lock)
                if command.command == OPEN:
                    self._open(door)
                answer = self.family.encode_lock_answer(command.command, door, self._state(door))
            if self._garble:
                self._garble = False
                answer = answer[:-1] + bytes([answer[-1] ^ 0x5A])
            return answer

    def _open(self, door: Door) -> None:
        if door in self._jammed:
            return
        self._opened_at.setdefault(door, self._now())
        if self._leave_open:
            self._leave_open = False
            self._held_open.add(door)

    def _state(self, door: Door) -> DoorState:
        return DoorState.OPEN if door in self._opened_at else DoorState.CLOSED

    # -- the line -------------------------------------------------------------------
    def _serve(self, master: int, stop: threading.Event) -> None:
        decoder = CommandDecoder()
        for chunk in incoming(master, stop, 256):
            # The command's bytes take their wire time to arrive.
            if self.pace and stop.wait(wire_time_s(len(chunk), self.baudrate)):
                return
            while True:
                try:
                    for command in decoder.feed(chunk):
                        self._send(master, self._answer(command), stop)
                    break
                except CodecError:
                    chunk = b""  # a board ignores a frame it cannot read

    def _send(self, master: int, answer: bytes | None, stop: threading.Event) -> None:
        if answer is not None:
            write_paced(master, answer, stop, baudrate=self.baudrate if self.pace else None)
