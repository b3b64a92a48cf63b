"""The lock boards' wire protocol: no I/O, only bytes in and answers out.

A protocol family is a small class that builds the three commands the driver needs and
makes a decoder for the answer it expects; the driver holds one family and never looks
at bytes itself, so a second family of boards is a second class here.

The family implemented (``XorBoardFamily``) is the widely sold 锁控板 one: every frame
ends with the XOR of the bytes before it (docs/cabinet.md works each example by hand).

    open one lock      8A <board> <lock> 11 <xor>   answer 8A <board> <lock> <state> <xor>
    read one lock      80 <board> <lock> 33 <xor>   answer 80 <board> <lock> <state> <xor>
    read every lock    80 <board> 00 33 <xor>       answer 80 <board> <bitmap...> 33 <xor>

``state`` is 11 when the lock's feedback contact is shorted, 00 when it is not; which of
those is a closed door depends on the lock (``Feedback``). The bitmap of a board read is
``status_bytes`` bytes read as one big-endian number whose bit ``lock - 1`` is the
contact of ``lock`` (set: shorted).

Invariant: a decoder returns only answers whose XOR is right; anything that began like
an answer and is not one raises ``CodecError`` (one type, whatever the garbage), and
bytes that cannot begin an answer are skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from devices.cabinet.doors import Door, DoorState

OPEN = 0x8A  # open one lock (lock 00: every lock of the board)
QUERY = 0x80  # read one lock's contact (lock 00: every lock's)
OPEN_FUNCTION = 0x11
QUERY_FUNCTION = 0x33
SHORTED = 0x11  # a state byte: the feedback contact is closed
NOT_SHORTED = 0x00
# Board addresses are set by DIP switches; descriptions give 1..99 on one line.
MAX_BOARD = 99
MAX_LOCK = 99


class CodecError(ValueError):
    """Bytes on the line that began like a frame and are not one (bad XOR, bad layout)."""


class Feedback(StrEnum):
    """Which way a lock's feedback contact reads: the boards report the contact, not
    the door, and sellers wire both kinds of lock."""

    LOCKED_SHORTS = "locked_shorts"  # 上锁短路: 11 / bit set = closed (the common case)
    OPEN_SHORTS = "open_shorts"  # 开锁短路: 11 / bit set = open


@dataclass(frozen=True, slots=True)
class LockAnswer:
    """A board's answer about one lock: to an open (``opened_command``) or a read."""

    door: Door
    state: DoorState
    opened_command: bool


@dataclass(frozen=True, slots=True)
class BoardAnswer:
    """A board's answer to a read of every lock: channel -> state, 1..8 x status bytes."""

    board: int
    states: dict[int, DoorState]


Answer = LockAnswer | BoardAnswer


class AnswerDecoder(Protocol):
    def feed(self, chunk: bytes) -> list[Answer]:
        """Answers completed by ``chunk`` (any chunking); CodecError on garbage: the
        bytes after the bad frame's first byte stay buffered (``feed(b"")`` rescans)."""


class LockProtocol(Protocol):
    """One family of lock boards: its commands and the decoder for each answer."""

    name: str

    def encode_open(self, door: Door) -> bytes: ...

    def encode_query(self, door: Door) -> bytes: ...

    def encode_query_all(self, board: int) -> bytes: ...

    def decoder(self, request: bytes) -> AnswerDecoder:
        """A decoder for the answer to ``request`` (one of this family's commands)."""

    def channels(self) -> int:
        """Lock channels a board-wide read reports."""


def xor(data: bytes) -> int:
    value = 0
    for byte in data:
        value ^= byte
    return value


def with_xor(body: bytes) -> bytes:
    return body + bytes([xor(body)])


def check_door(door: Door) -> None:
    if not 1 <= door.board <= MAX_BOARD:
        raise ValueError(f"board address {door.board} is not 1..{MAX_BOARD}")
    if not 1 <= door.lock <= MAX_LOCK:
        raise ValueError(f"lock {door.lock} is not 1..{MAX_LOCK}")


def check_board(board: int) -> None:
    if not 1 <= board <= MAX_BOARD:
        raise ValueError(f"board address {board} is not 1..{MAX_BOARD}")


class XorBoardFamily:
    """The 8A/80 family with a one-byte XOR check (see the module docstring)."""

    name = "xor-8a"

    def __init__(self, status_bytes: int = 3, feedback: Feedback = Feedback.LOCKED_SHORTS
                 ) -> None:
        if not 1 <= status_bytes <= 8:
            raise ValueError("a board-wide answer carries 1 to 8 status bytes")
        self.status_bytes = status_bytes  # 3 on the common 24-channel boards
        self.feedback = feedback

    def channels(self) -> int:
        return self.status_bytes * 8

    def encode_open(self, door: Door) -> bytes:
        check_door(door)
        return with_xor(bytes([OPEN, door.board, door.lock, OPEN_FUNCTION]))

    def encode_query(self, door: Door) -> bytes:
        check_door(door)
        return with_xor(bytes([QUERY, door.board, door.lock, QUERY_FUNCTION]))

    def encode_query_all(self, board: int) -> bytes:
        check_board(board)
        return with_xor(bytes([QUERY, board, 0, QUERY_FUNCTION]))

    def decoder(self, request: bytes) -> AnswerDecoder:
        if len(request) != 5 or request[0] not in (OPEN, QUERY):
            raise ValueError("not a command of this family")
        if request[0] == QUERY and request[2] == 0:
            return _BoardDecoder(self, request[1])
        return _LockDecoder(self, request[0], Door(request[1], request[2]))

    # -- the contact as a door state, both ways (the mock cabinet speaks it too) -------
    def state_of(self, shorted: bool) -> DoorState:
        closed = shorted if self.feedback is Feedback.LOCKED_SHORTS else not shorted
        return DoorState.CLOSED if closed else DoorState.OPEN

    def shorted(self, state: DoorState) -> bool:
        return (state is DoorState.CLOSED) == (self.feedback is Feedback.LOCKED_SHORTS)

    def encode_lock_answer(self, command: int, door: Door, state: DoorState) -> bytes:
        byte = SHORTED if self.shorted(state) else NOT_SHORTED
        return with_xor(bytes([command, door.board, door.lock, byte]))

    def encode_board_answer(self, board: int, states: dict[int, DoorState]) -> bytes:
        bits = sum(1 << (lock - 1) for lock, state in states.items()
                   if lock <= self.channels() and self.shorted(state))
        bitmap = bits.to_bytes(self.status_bytes, "big")
        return with_xor(bytes([QUERY, board]) + bitmap + bytes([QUERY_FUNCTION]))


class _FixedFrames:
    """Fixed-length frames that start with one of ``heads`` and end with their XOR, from
    any chunking. ``flaw`` says what is impossible in a frame whose XOR is right (None:
    nothing); such a frame is noise like a bad XOR: only its first byte is dropped, so an
    answer that starts inside it is still found."""

    def __init__(self, heads: bytes, length: int, flaw: Callable[[bytes], str | None]
                 ) -> None:
        self._heads = heads
        self._length = length
        self._flaw = flaw
        self._buf = bytearray()

    def frames(self, chunk: bytes) -> list[bytes]:
        self._buf += chunk
        done: list[bytes] = []
        while True:
            starts = [i for i in map(self._buf.find, self._heads) if i >= 0]
            if not starts:
                self._buf.clear()  # nothing here can begin a frame
                return done
            del self._buf[:min(starts)]
            if len(self._buf) < self._length:
                return done
            frame = bytes(self._buf[:self._length])
            flaw = (f"bad XOR {frame[-1]:#04x}, expected {xor(frame[:-1]):#04x}"
                    if xor(frame[:-1]) != frame[-1] else self._flaw(frame))
            if flaw is not None:
                del self._buf[:1]  # resync on the next head byte
                if done:  # hand over what was good; the error comes on the next feed
                    return done
                raise CodecError(f"{flaw} in {frame.hex(' ')}")
            del self._buf[:self._length]
            done.append(frame)


class _LockDecoder:
    """Answers about ``door``; a well-formed answer about another door is a late answer
    to an earlier command (or another board's) and is skipped."""

    def __init__(self, family: XorBoardFamily, command: int, door: Door) -> None:
        self._family = family
        self._command = command
        self._door = door
        self._frames = _FixedFrames(bytes([command]), 5, _lock_flaw)

    def feed(self, chunk: bytes) -> list[Answer]:
        answers = [self._answer(frame) for frame in self._frames.frames(chunk)]
        return [answer for answer in answers if answer.door == self._door]

    def _answer(self, frame: bytes) -> LockAnswer:
        _, board, lock, state, _ = frame
        return LockAnswer(Door(board, lock), self._family.state_of(state == SHORTED),
                          opened_command=self._command == OPEN)


class _BoardDecoder:
    """Answers to a read of every lock of ``board``; other boards' are skipped."""

    def __init__(self, family: XorBoardFamily, board: int) -> None:
        self._family = family
        self._board = board
        self._frames = _FixedFrames(bytes([QUERY]), family.status_bytes + 4, _board_flaw)

    def feed(self, chunk: bytes) -> list[Answer]:
        answers = [self._answer(frame) for frame in self._frames.frames(chunk)]
        return [answer for answer in answers if answer.board == self._board]

    def _answer(self, frame: bytes) -> BoardAnswer:
        bits = int.from_bytes(frame[2:-2], "big")
        return BoardAnswer(frame[1], {
            lock: self._family.state_of(bool(bits >> (lock - 1) & 1))
            for lock in range(1, self._family.channels() + 1)})


@dataclass(frozen=True, slots=True)
class Command:
    """A host command as a board (the mock cabinet) receives it; lock 0: every lock."""

    command: int
    board: int
    lock: int


class CommandDecoder:
    """The boards' side: 5-byte host commands from the byte stream (for the mock)."""

    def __init__(self) -> None:
        self._frames = _FixedFrames(bytes([OPEN, QUERY]), 5, _command_flaw)

    def feed(self, chunk: bytes) -> list[Command]:
        """Commands completed by ``chunk``; CodecError for a frame with a bad XOR or the
        wrong function byte (a board ignores it); the rest stays buffered."""
        return [Command(f[0], f[1], f[2]) for f in self._frames.frames(chunk)]


def _lock_flaw(frame: bytes) -> str | None:
    return None if frame[3] in (SHORTED, NOT_SHORTED) else "impossible lock state"


def _board_flaw(frame: bytes) -> str | None:
    return None if frame[-2] == QUERY_FUNCTION else "no 33 before the XOR"


def _command_flaw(frame: bytes) -> str | None:
    function = OPEN_FUNCTION if frame[0] == OPEN else QUERY_FUNCTION
    return None if frame[3] == function else "unknown function byte"
