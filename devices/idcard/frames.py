"""Framing of the reader's serial protocol: no I/O, only bytes in and frames out.

    host -> reader  AA AA AA 96 69 | LEN(2, big-endian) | CMD PARA | data      | CHK
    reader -> host  AA AA AA 96 69 | LEN(2, big-endian) | SW1 SW2 SW3 | data  | CHK

LEN counts every byte after itself, CHK included; CHK is the XOR of the LEN
bytes and every byte up to the last data byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
# The longest answer is text + photo + fingerprint (2321 bytes on the wire, LEN 0x090A).
# Anything much longer is a corrupted length field, not a frame.
MAX_LEN = 4096


class Command(Enum):
    """(CMD, PARA) pairs of the reader protocol."""

    RESET_SAM = (0x10, 0xFF)
    SAM_STATUS = (0x11, 0xFF)
    SAM_ID = (0x12, 0xFF)
    FIND_CARD = (0x20, 0x01)
    SELECT_CARD = (0x20, 0x02)
    READ_TEXT_PHOTO = (0x30, 0x01)
    READ_APPENDED_ADDRESS = (0x30, 0x03)
    READ_TEXT_PHOTO_FINGERPRINT = (0x30, 0x10)

    @property
    def cmd(self) -> int:
        return self.value[0]

    @property
    def para(self) -> int:
        return self.value[1]


class FrameError(ValueError):
    """A frame on the wire is corrupt: bad checksum or impossible length.

    ``frames`` holds the good frames decoded from the same feed before the bad one.
    """

    def __init__(self, message: str, reason: str, frames: list[Any] | None = None) -> None:
        super().__init__(message)
        self.reason = reason  # "checksum" or "length"
        # Raw payloads (bytes) as the envelope decoder raises it; FrameDecoder and
        # CommandDecoder replace them with their Frame or CommandFrame objects.
        self.frames: list[Any] = frames or []


@dataclass(frozen=True, slots=True)
class Frame:
    """An answer from the reader."""

    sw1: int
    sw2: int
    sw3: int  # the status byte: 0x90 ok, 0x9F card found, ... (see sw3.py)
    data: bytes = field(repr=False)  # may hold a card's text block: kept out of tracebacks


@dataclass(frozen=True, slots=True)
class CommandFrame:
    """A command from the host, as the mock reader receives it."""

    cmd: int
    para: int
    data: bytes = field(repr=False)


def _checksum(body: bytes) -> int:
    """XOR of every byte, folded as one big integer: C speed without a Python loop."""
    value, width = int.from_bytes(body, "big"), len(body)
    while width > 1:
        half = width // 2
        value = (value >> (8 * half)) ^ (value & ((1 << (8 * half)) - 1))
        width -= half
    return value


def _envelope(payload: bytes) -> bytes:
    length = len(payload) + 1  # + CHK
    if length > MAX_LEN:
        raise ValueError(
            f"frame payload of {len(payload)} bytes is longer than the protocol allows")
    body = length.to_bytes(2, "big") + payload
    return PREAMBLE + body + bytes([_checksum(body)])


def build_command(cmd: int, para: int, data: bytes = b"") -> bytes:
    """The bytes the host sends for one command."""
    return _envelope(bytes([cmd, para]) + data)


def build_response(sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    """The bytes a reader sends back (used by the mock reader and by tests)."""
    return _envelope(bytes([sw1, sw2, sw3]) + data)


class _EnvelopeDecoder:
    """Reassembles frame payloads from arbitrary chunks of a byte stream."""

    def __init__(self, min_len: int) -> None:
        self._buf = bytearray()
        self._min_len = min_len  # header bytes after LEN, plus CHK
        self._need = 0  # bytes the frame at the front of the buffer still needs in all

    def reset(self) -> None:
        """Forget a partial frame (after a timeout, a late half-frame must not prefix the next)."""
        self._buf.clear()
        self._need = 0

    def skip_partial(self) -> list[bytes]:
        """Give up on the frame at the front (its length was noise) and rescan behind it."""
        if self._buf.startswith(PREAMBLE):
            del self._buf[: len(PREAMBLE)]
        self._need = 0
        return self.payloads(b"")

    def payloads(self, chunk: bytes) -> list[bytes]:
        """Payloads (bytes between LEN and CHK) of every frame completed by ``chunk``.

        Garbage before a preamble is skipped. On a corrupt frame only its preamble is
        dropped, so a good frame hidden behind a corrupted length is still found, and
        FrameError is raised carrying the good payloads decoded before it; the rest
        stays buffered for the next call (``feed(b"")`` drains it).
        """
        self._buf += chunk
        done: list[bytes] = []
        if len(self._buf) < self._need:
            return done  # the frame in progress is still incomplete: nothing to scan
        self._need = 0
        header = len(PREAMBLE) + 2
        while True:
            start = self._buf.find(PREAMBLE)
            if start < 0:
                # Keep a tail that may be the start of a preamble split across chunks.
                del self._buf[: max(0, len(self._buf) - (len(PREAMBLE) - 1))]
                return done
            del self._buf[:start]
            if len(self._buf) < header:
                return done
            length = int.from_bytes(self._buf[len(PREAMBLE):header], "big")
            if not self._min_len <= length <= MAX_LEN:
                del self._buf[: len(PREAMBLE)]
                raise FrameError(f"impossible frame length {length}", "length", done)
            if len(self._buf) < header + length:
                self._need = header + length
                return done
            body = bytes(self._buf[len(PREAMBLE): header + length - 1])
            chk = self._buf[header + length - 1]
            if _checksum(body) != chk:
                del self._buf[: len(PREAMBLE)]
                raise FrameError(f"bad checksum {chk:#04x}, expected {_checksum(body):#04x}",
                                 "checksum", done)
            del self._buf[: header + length]
            done.append(body[2:])


class FrameDecoder:
    """The host's side: reader answers from the serial byte stream."""

    def __init__(self) -> None:
        self._envelopes = _EnvelopeDecoder(min_len=4)  # SW1 SW2 SW3 CHK

    def feed(self, chunk: bytes) -> list[Frame]:
        try:
            return [_answer(p) for p in self._envelopes.payloads(chunk)]
        except FrameError as exc:
            exc.frames = [_answer(p) for p in exc.frames]
            raise

    def reset(self) -> None:
        self._envelopes.reset()

    def skip_partial(self) -> list[Frame]:
        """After a timeout: the half frame at the front was noise; frames behind it, if any."""
        frames: list[Frame] = []
        rescan = self._envelopes.skip_partial
        while True:
            try:
                return frames + [_answer(p) for p in rescan()]
            except FrameError as exc:  # a bad frame behind it: skip that too, keep scanning
                frames += [_answer(p) for p in exc.frames]
                rescan = lambda: self._envelopes.payloads(b"")  # noqa: E731


class CommandDecoder:
    """The reader's side (the mock reader): host commands from the byte stream."""

    def __init__(self) -> None:
        self._envelopes = _EnvelopeDecoder(min_len=3)  # CMD PARA CHK

    def feed(self, chunk: bytes) -> list[CommandFrame]:
        try:
            return [_command(p) for p in self._envelopes.payloads(chunk)]
        except FrameError as exc:
            exc.frames = [_command(p) for p in exc.frames]
            raise


def _answer(payload: bytes) -> Frame:
    return Frame(payload[0], payload[1], payload[2], payload[3:])


def _command(payload: bytes) -> CommandFrame:
    return CommandFrame(payload[0], payload[1], payload[2:])
