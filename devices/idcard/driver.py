"""The real reader driver: find -> select -> read over pyserial, with reconnect.

Blocking by design: call ``read`` from a worker thread. One lock serialises
the line, so a health ``check`` never interleaves with a read. Errors come
back as values (``CardProblem`` and the reader's ``status()``), never as
prints; the driver survives unplugging, garbage on the line, a reader that
stops answering and a failing security module.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import serial

from devices.idcard import sw3
from devices.idcard.answers import format_sam_id, parse_read_answer
from devices.idcard.frames import Command, Frame, FrameDecoder, FrameError, build_command
from devices.idcard.holder import CardHolder
from devices.idcard.sw3 import Remedy, status_word
from devices.idcard.text_block import TextBlockError, parse_appended_address, parse_card_holder
from devices.serialport import (
    OPEN_ERRORS,
    SERIAL_ERRORS,
    PortLocator,
    SerialFactory,
    close_quietly,
    open_serial,
)
from devices.status import Cause, DeviceStatus, Level, where

# pyserial's read slice: how often a blocked read looks at its deadline.
_SLICE_S = 0.02
# Consecutive unanswered or garbled commands before the reader counts as faulty.
_FAULT_AFTER = 3
# The line's rest between two finds (20 01). A card waits on average half of it before
# the next find sees it (bench/idcard_read.py: at 50 ms that was most of the time above
# the wire's ~120 ms). 20 ms keeps a placed card within ~20 ms of the wire time and the
# line idle at least 20 ms after every answer: one 25-byte exchange (2.2 ms at 115200)
# per 22 ms, ~10% of the line. Vendor samples run readers from back-to-back finds
# ("continual" mode) to one every 200 ms; the reader only ever holds one command.
FIND_REST_S = 0.02
# The rest between presence checks (30 03) while a card just read may lie there. Its
# answer is up to 82 bytes (7 ms), and a few tens of ms for noticing a card has left
# costs nobody anything (the next card is found as soon as it is noticed).
PRESENCE_REST_S = 0.05


@dataclass(frozen=True, slots=True)
class CardRead:
    """A card was read: its holder and the photo (WLT bytes) for the record."""

    holder: CardHolder
    photo: bytes = field(repr=False)
    fingerprint: bytes = field(default=b"", repr=False)


@dataclass(frozen=True, slots=True)
class CardProblem:
    """A card was on the reader but could not be read; ``remedy`` says what to tell the person."""

    remedy: Remedy
    cause: str  # a status word's name, or bad_frame / no_answer / malformed (i18n idcard.cause.*)
    detail: str  # for staff and logs: which command and what exactly went wrong


@dataclass(frozen=True, slots=True)
class CardRemoved:
    """The card delivered last has left the reader (the next person's may now come)."""


ReaderEvent = CardRead | CardProblem | CardRemoved


class _NoAnswer(Exception):
    """The reader did not answer a command in time (or the answer was cut short)."""


class SerialIdCardReader:
    def __init__(
        self,
        locator: PortLocator,
        *,
        baudrate: int = 115200,
        timeout_s: float = 2.0,
        command_timeout_s: float = 0.5,
        reconnect_s: float = 1.0,
        poll_s: float = FIND_REST_S,
        presence_s: float = PRESENCE_REST_S,
        fingerprint: bool = False,
        factory: SerialFactory = serial.Serial,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.locator = locator
        self.baudrate = baudrate
        self.timeout_s = timeout_s  # for read commands: 1295 bytes plus the chip's own time
        self.command_timeout_s = command_timeout_s  # find, select and SAM commands answer fast
        self.reconnect_s = reconnect_s
        self.poll_s = poll_s  # rest between finds
        self.presence_s = presence_s  # rest between presence checks of the card read last
        self.fingerprint = fingerprint
        self._factory = factory
        self._now = monotonic
        self._lock = threading.Lock()
        self._port: serial.Serial | None = None
        self._decoder = FrameDecoder()
        self._next_attempt = 0.0
        self._rested_until = 0.0  # the line is not used again before this (monotonic)
        self._failures = 0
        self._awaiting_removal: str | None = None  # id number of the card just read
        self._status = DeviceStatus(Level.WARNING, "connecting", locator.describe(),
                                    where=locator.describe())
        self.sam_id: str | None = None

    # -- the interface the kiosk uses -----------------------------------------
    def read(self, timeout: float) -> ReaderEvent | None:
        """Look for a card for up to ``timeout`` seconds; a read in progress is finished.

        Each card is delivered once: it must leave the reader before it is read again.
        """
        deadline = self._now() + timeout
        with self._lock:
            while self._wait_turn(deadline):
                event = self._poll() if self._ensure_open() else None
                self._rested_until = self._now() + self._rest()
                if event is not None:
                    return event
                if self._now() >= deadline:
                    break
            return None

    def status(self) -> DeviceStatus:
        return self._status

    def check(self) -> DeviceStatus:
        """Health probe between reads (SAM status): notices unplugging and reconnects."""
        if self._lock.acquire(blocking=False):
            try:
                if self._ensure_open():
                    self._guarded(lambda: self._sam_ok(self._transact(Command.SAM_STATUS)))
                self._rested_until = self._now() + self._rest()
            finally:
                self._lock.release()
        return self._status

    def close(self) -> None:
        with self._lock:
            self._drop_port(DeviceStatus(Level.FAULT, "unplugged", "closed", Cause.CLOSED))

    # -- connection -----------------------------------------------------------
    def _ensure_open(self) -> bool:
        if self._port is not None:
            return True
        if self._now() < self._next_attempt:
            return False
        self._next_attempt = self._now() + self.reconnect_s
        try:
            self._port = open_serial(self.locator, self.baudrate, _SLICE_S, self._factory)
        except OPEN_ERRORS as exc:
            self._status = self._port_trouble(Cause.OPEN_FAILED, exc)
            return False
        self._decoder.reset()
        self._failures = 0
        return self._guarded(self._identify_sam)

    def _identify_sam(self) -> bool:
        if not self._sam_ok(self._transact(Command.SAM_STATUS)):
            return True  # connected, but the SAM is faulty: keep probing
        answer = self._transact(Command.SAM_ID)
        if answer.sw3 == sw3.OK:
            try:
                self.sam_id = format_sam_id(answer.data)
            except TextBlockError:
                self.sam_id = None
        return True

    def _sam_ok(self, answer: Frame) -> bool:
        if answer.sw3 == sw3.OK:
            self._status = DeviceStatus.ready()
            return True
        word = status_word(answer.sw3)
        self._status = DeviceStatus(Level.FAULT, "sam_fault", f"SAM status: {word.name}",
                                    Cause.SAM_STATUS, f"{answer.sw3:#04x}")
        return False

    def _drop_port(self, status: DeviceStatus) -> None:
        port, self._port = self._port, None
        close_quietly(port)
        self._status = status
        self._next_attempt = self._now() + self.reconnect_s

    def _guarded(self, action: Callable[[], bool]) -> bool:
        """Run line I/O; turn unplugging and silence into status, never into a crash."""
        try:
            return action()
        except SERIAL_ERRORS as exc:
            self._drop_port(self._port_trouble(Cause.LINE_LOST, exc))
        except (_NoAnswer, FrameError) as exc:
            self._line_trouble(str(exc), exc)
        return False

    def _port_trouble(self, cause: Cause, exc: BaseException) -> DeviceStatus:
        port = self.locator.describe()
        return DeviceStatus(Level.FAULT, "unplugged", f"{port}: {exc}", cause, where(port, exc))

    def _line_trouble(self, detail: str, exc: Exception) -> None:
        self._failures += 1
        level = Level.FAULT if self._failures >= _FAULT_AFTER else Level.WARNING
        cause = Cause.NO_ANSWER if isinstance(exc, _NoAnswer) else Cause.BAD_FRAME
        self._status = DeviceStatus(level, "not_responding", detail, cause,
                                    self.locator.describe())

    def _wait_turn(self, deadline: float) -> bool:
        """Sleep until the line has rested since its last exchange, or until ``deadline``;
        True when the line may be used. The rest spans calls: a worker calling ``read``
        in a loop gets one poll per rest, never two back to back."""
        wait = min(self._rested_until, deadline) - self._now()
        if wait > 0:
            time.sleep(wait)
        return self._now() >= self._rested_until

    def _rest(self) -> float:
        """How long the line rests before the next round: the reconnect pace without a
        port, the presence pace while a card just read may lie there, else the find pace."""
        if self._port is None:
            return self.reconnect_s
        return self.presence_s if self._awaiting_removal is not None else self.poll_s

    def holding_card(self) -> bool:
        return self._awaiting_removal is not None

    def wait_for_removal(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds for the card read last to leave; True once no
        card is held. Only presence is asked: a card placed meanwhile is left for ``read``
        (a reminder that read it would take the next person's card from the identify
        screen)."""
        deadline = self._now() + timeout
        with self._lock:
            while self._awaiting_removal is not None and self._wait_turn(deadline):
                if self._ensure_open():
                    self._poll()  # while a card is held, a poll asks only for its presence
                self._rested_until = self._now() + self._rest()
                if self._now() >= deadline:
                    break
            return self._awaiting_removal is None

    # -- one round of find -> select -> read ----------------------------------
    def _poll(self) -> ReaderEvent | None:
        stage = "find"
        try:
            if self._awaiting_removal is not None:
                # "Find" says no card after a read until the card leaves the field, so
                # presence is asked with the appended-address read, which answers only
                # while the card just read is still there.
                stage = "presence"
                still = self._transact(Command.READ_APPENDED_ADDRESS)
                self._healthy()
                if still.sw3 in (sw3.OK, sw3.NO_CONTENT):
                    return None
                self._awaiting_removal = None
                return CardRemoved()
            found = self._transact(Command.FIND_CARD)
            if found.sw3 == sw3.NO_CARD:
                self._healthy()
                return None
            if found.sw3 != sw3.CARD_FOUND:
                # No card could be looked for: the status says why, the screen shows it.
                return self._refused("find", found, quiet=True)
            stage = "select"
            selected = self._transact(Command.SELECT_CARD)
            if selected.sw3 != sw3.OK:
                # A card still moving onto the field fails to select: try again next round.
                return self._refused("select", selected, quiet=selected.sw3 == 0x81)
            stage = "read"
            event = self._read_card()
        except SERIAL_ERRORS as exc:
            self._drop_port(self._port_trouble(Cause.LINE_LOST, exc))
            return None
        except (_NoAnswer, FrameError) as exc:
            self._line_trouble(f"{stage}: {exc}", exc)
            if stage in ("find", "presence"):
                return None
            cause = "no_answer" if isinstance(exc, _NoAnswer) else "bad_frame"
            return CardProblem(Remedy.REPLACE_CARD, cause, f"{stage}: {exc}")
        if isinstance(event, CardRead) or event.remedy is not Remedy.READER_FAULT:
            self._healthy()  # (a reader fault found during the read stays in the status)
        if isinstance(event, CardRead):
            self._awaiting_removal = event.holder.id_number
        return event

    def _read_card(self) -> CardRead | CardProblem:
        command = (Command.READ_TEXT_PHOTO_FINGERPRINT if self.fingerprint
                   else Command.READ_TEXT_PHOTO)
        answer = self._transact(command, self.timeout_s)
        if answer.sw3 != sw3.OK:
            return self._read_refused("read", answer)
        try:
            record = parse_read_answer(answer.data, self.fingerprint)
            holder = parse_card_holder(record.text)
        except TextBlockError as exc:
            return CardProblem(Remedy.OTHER_CARD, "malformed", f"read: {exc}")
        extra = self._transact(Command.READ_APPENDED_ADDRESS, self.timeout_s)
        if extra.sw3 == sw3.OK:
            try:
                holder = replace(holder, appended_address=parse_appended_address(extra.data))
            except TextBlockError as exc:
                return CardProblem(Remedy.OTHER_CARD, "malformed", f"appended address: {exc}")
        elif extra.sw3 != sw3.NO_CONTENT:
            return self._read_refused("appended address", extra)
        return CardRead(holder, record.photo, record.fingerprint)

    def _refused(self, stage: str, answer: Frame, *, quiet: bool = False,
                 fallback: bool = False) -> CardProblem | None:
        """What a refusal means: reader faults go to the status; card troubles to the person.

        ``fallback``: the card was being read, so even a status that is harmless elsewhere
        (no card, no content) means the read failed.
        """
        word = status_word(answer.sw3)
        detail = f"{stage}: {word.name} ({answer.sw3:#04x})"
        if word.remedy is Remedy.READER_FAULT:
            self._status = DeviceStatus(Level.FAULT, "sam_fault", detail, Cause.SAM_STATUS,
                                        f"{answer.sw3:#04x}")
        if quiet or (word.remedy is Remedy.NONE and not fallback):
            return None
        remedy = Remedy.REPLACE_CARD if word.remedy is Remedy.NONE else word.remedy
        return CardProblem(remedy, word.name, detail)

    def _read_refused(self, stage: str, answer: Frame) -> CardProblem:
        """A refusal while the card was being read: always a problem for the person."""
        problem = self._refused(stage, answer, fallback=True)
        assert problem is not None  # with fallback and not quiet, every refusal is a problem
        return problem

    def _healthy(self) -> None:
        self._failures = 0
        if self._status.level is not Level.OK:
            self._status = DeviceStatus.ready()

    # -- the line -------------------------------------------------------------
    def _transact(self, command: Command, timeout: float | None = None) -> Frame:
        timeout = timeout or self.command_timeout_s
        port = self._port
        assert port is not None
        # Whatever is still on the line is a late answer to an earlier command.
        port.reset_input_buffer()
        self._decoder.reset()
        port.write(build_command(command.cmd, command.para))
        deadline = self._now() + timeout
        garbled: FrameError | None = None
        chunk = b""
        while self._now() < deadline:
            try:
                frames = self._decoder.feed(chunk)
            except FrameError as exc:
                # Noise that looked like a frame: the decoder dropped its preamble and
                # keeps what follows, where the real answer may be. Go on until the deadline.
                if exc.frames:
                    first: Frame = exc.frames[0]  # FrameDecoder.feed made them Frames
                    return first
                garbled, chunk = exc, b""
                continue
            if frames:
                return frames[0]
            chunk = port.read(max(1, port.in_waiting))
        # Noise that began like a frame, with a length that never came, may hide the answer.
        if frames := self._decoder.skip_partial():
            return frames[0]
        self._drain(port)
        if garbled is not None:
            raise garbled
        raise _NoAnswer(f"no answer to {command.name} within {timeout:g} s")

    def _drain(self, port: serial.Serial) -> None:
        """Wait for a quiet line after a timeout. The protocol has no sequence numbers:
        a late answer would otherwise be taken for the answer to the next command."""
        give_up = self._now() + self.timeout_s
        quiet_until = self._now() + self.command_timeout_s
        while (now := self._now()) < give_up and now < quiet_until:
            if port.read(max(1, port.in_waiting)):
                quiet_until = self._now() + self.command_timeout_s

