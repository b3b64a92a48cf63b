"""A card reader on a pseudo-terminal that speaks the protocol byte for byte.

The reader sits on a ``PtyLine`` (devices/pty_line.py): the driver opens the
slave through the symlink ``link``, which unplug and replug keep. Answers are paced
at the baud rate (10 bits a byte, 8N1) so timings match a real line.

Field testers inject faults live: place and remove cards; spoil the next card
read (wrong checksum, cut short, or any status byte); slow the reader down;
fail the SAM; unplug and replug.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from devices.idcard import sw3
from devices.idcard.answers import build_read_answer, build_sam_id
from devices.idcard.deck import DeckCard
from devices.idcard.frames import Command, CommandDecoder, CommandFrame, FrameError, build_response
from devices.pty_line import OnPtyLine, incoming, write_paced
from devices.pty_line import wire_time_s as wire_time_s  # bench/idcard_read.py finds it here

SAM_ID = build_sam_id(5, 1, 20240315, 1234567890, 987654321)
MAX_DELAY_S = 60.0
_CHUNK = 64  # bytes written per pacing step


def _check_status(status: int) -> None:
    if not 0 <= status <= 0xFF:
        raise ValueError(f"a status byte is 0x00 to 0xFF, not {status:#x}")


class _Phase(Enum):
    PRESENT = "present"  # on the field, not yet found
    FOUND = "found"
    SELECTED = "selected"
    READ = "read"  # must leave the field before find succeeds again


@dataclass(frozen=True)
class MockReaderState:
    """What the staff screen and the CLI show about the mock reader."""

    plugged: bool
    card: str | None  # label of the card on the field
    card_read: bool  # read already: must leave the field before it is read again
    delay_s: float
    sam_failure: int | None
    pending_faults: tuple[str, ...]  # codes: corrupt, truncate, fail:<status hex>
    card_index: int | None = None  # the card on the field, by its place in the deck


class MockCardReader(OnPtyLine):
    def __init__(self, deck: list[DeckCard], link: Path, baudrate: int = 115200,
                 pace: bool = True) -> None:
        self.deck = deck
        self.baudrate = baudrate
        self.pace = pace
        self._lock = threading.Lock()
        self._card: DeckCard | None = None
        self._phase = _Phase.PRESENT
        self._delay_s = 0.0
        self._sam_failure: int | None = None
        self._corrupt_next = False
        self._truncate_next = False
        self._fail_next: int | None = None
        super().__init__(link, self._serve, name="mock-idcard-reader")

    # -- field tester's controls ----------------------------------------------
    def place(self, index: int) -> DeckCard:
        with self._lock:
            self._card = self.deck[index]
            self._phase = _Phase.PRESENT
            return self._card

    def remove(self) -> None:
        with self._lock:
            self._card = None

    def corrupt_next_read(self) -> None:
        """The next card read answers with a wrong checksum (noise on the line)."""
        with self._lock:
            self._corrupt_next = True

    def truncate_next_read(self) -> None:
        """The next card read answer stops halfway, as when a cable is jostled."""
        with self._lock:
            self._truncate_next = True

    def fail_next_read(self, status: int) -> None:
        """The next card read answers with this status byte (0x41 read failed, 0x31 ...)."""
        _check_status(status)
        with self._lock:
            self._fail_next = status

    def set_delay(self, seconds: float) -> None:
        """Think this long before every answer (a slow or overloaded reader)."""
        if not 0 <= seconds <= MAX_DELAY_S:
            raise ValueError(f"delay must be 0 to {MAX_DELAY_S:g} seconds")
        with self._lock:
            self._delay_s = seconds

    def set_sam_failure(self, status: int | None) -> None:
        """The security module fails (0x60 self-test failed, 0x66 not authorised): every
        command answers ``status`` until it is set back to None."""
        if status is not None:
            _check_status(status)
        with self._lock:
            self._sam_failure = status

    def state(self) -> MockReaderState:
        with self._lock:
            faults = [name for name, on in (("corrupt", self._corrupt_next),
                                            ("truncate", self._truncate_next)) if on]
            if self._fail_next is not None:
                faults.append(f"fail:{self._fail_next:02x}")
            return MockReaderState(
                plugged=self.plugged,
                card=self._card.label if self._card else None,
                card_read=self._card is not None and self._phase is _Phase.READ,
                delay_s=self._delay_s,
                sam_failure=self._sam_failure,
                pending_faults=tuple(faults),
                card_index=self.deck.index(self._card) if self._card else None,
            )

    # -- the device -----------------------------------------------------------
    def _serve(self, master: int, stop: threading.Event) -> None:
        decoder = CommandDecoder()
        for chunk in incoming(master, stop):
            while True:
                try:
                    for command in decoder.feed(chunk):
                        self._send(master, self._answer(command), stop)
                    break
                except FrameError as exc:
                    # Answer what came before the bad frame, complain, then go on.
                    for command in exc.frames:
                        self._send(master, self._answer(command), stop)
                    self._send(master, build_response(0x11 if exc.reason == "length" else 0x10),
                               stop)
                    chunk = b""

    def _send(self, master: int, frame: bytes, stop: threading.Event) -> None:
        with self._lock:
            delay = self._delay_s
        if not stop.wait(delay):
            write_paced(master, frame, stop, baudrate=self.baudrate if self.pace else None,
                        step=_CHUNK)

    def _answer(self, command: CommandFrame) -> bytes:
        try:
            kind = Command((command.cmd, command.para))
        except ValueError:
            return build_response(0x21)  # bad command
        with self._lock:
            if self._sam_failure is not None:
                return build_response(self._sam_failure)
            if kind in (Command.RESET_SAM, Command.SAM_STATUS):
                return build_response(sw3.OK)
            if kind is Command.SAM_ID:
                return build_response(sw3.OK, SAM_ID)
            answer = self._card_answer(kind)
            if kind in (Command.READ_TEXT_PHOTO, Command.READ_TEXT_PHOTO_FINGERPRINT):
                answer = self._spoil(answer)
            return answer

    def _spoil(self, answer: bytes) -> bytes:
        """Apply the faults injected for the next read."""
        if self._fail_next is not None:
            status, self._fail_next = self._fail_next, None
            self._phase = _Phase.PRESENT  # the card was not read: find sees it again
            return build_response(status)
        if self._corrupt_next:
            self._corrupt_next = False
            return answer[:-1] + bytes([answer[-1] ^ 0xFF])
        if self._truncate_next:
            self._truncate_next = False
            return answer[: len(answer) // 2]
        return answer

    def _card_answer(self, kind: Command) -> bytes:
        card = self._card
        if kind is Command.FIND_CARD:
            if card is None or self._phase is _Phase.READ:
                return build_response(sw3.NO_CARD)
            self._phase = _Phase.FOUND
            return build_response(sw3.CARD_FOUND, bytes(4))
        if kind is Command.SELECT_CARD:
            if card is None or self._phase not in (_Phase.FOUND, _Phase.SELECTED):
                return build_response(0x81)
            self._phase = _Phase.SELECTED
            return build_response(sw3.OK, bytes(8))
        if kind in (Command.READ_TEXT_PHOTO, Command.READ_TEXT_PHOTO_FINGERPRINT):
            if card is None or self._phase is not _Phase.SELECTED:
                return build_response(0x41)
            self._phase = _Phase.READ
            fingerprint = kind is Command.READ_TEXT_PHOTO_FINGERPRINT
            return build_response(sw3.OK, build_read_answer(card.record, fingerprint))
        # READ_APPENDED_ADDRESS: only after the card was read, while it is still there.
        if card is None or self._phase is not _Phase.READ:
            return build_response(0x41)
        if card.appended_address is None:
            return build_response(sw3.NO_CONTENT)
        return build_response(sw3.OK, card.appended_address)
