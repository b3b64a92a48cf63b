"""The data part of the reader's answers to read and SAM commands, both ways."""

from __future__ import annotations

from dataclasses import dataclass, field

from devices.idcard.text_block import TEXT_BLOCK_LEN, TextBlockError

PHOTO_LEN = 1024  # WLT-compressed; decoding it needs the vendor's library
FINGERPRINT_LEN = 1024  # two 512-byte templates
SAM_ID_LEN = 16


@dataclass(frozen=True, slots=True)
class CardRecord:
    """What a read command returned: the text block, the photo and maybe fingerprints."""

    # Personal data: kept out of reprs (tracebacks print local variables).
    text: bytes = field(repr=False)
    photo: bytes = field(repr=False)
    fingerprint: bytes = field(default=b"", repr=False)


def parse_read_answer(data: bytes, with_fingerprint: bool = False) -> CardRecord:
    """Split the data of a 30 01 (or 30 10) answer: lengths (2 bytes big-endian each), then parts.

    TextBlockError when the lengths do not add up: a truncated or misframed answer.
    """
    count = 3 if with_fingerprint else 2
    if len(data) < 2 * count:
        raise TextBlockError(f"read answer of {len(data)} bytes has no length header")
    lengths = [int.from_bytes(data[i:i + 2], "big") for i in range(0, 2 * count, 2)]
    if lengths[0] != TEXT_BLOCK_LEN:
        raise TextBlockError(f"text length {lengths[0]}, expected {TEXT_BLOCK_LEN}")
    if len(data) != 2 * count + sum(lengths):
        raise TextBlockError(
            f"read answer holds {len(data)} bytes but its lengths say {2 * count + sum(lengths)}")
    parts, offset = [], 2 * count
    for length in lengths:
        parts.append(data[offset:offset + length])
        offset += length
    return CardRecord(*parts)


def build_read_answer(record: CardRecord, with_fingerprint: bool = False) -> bytes:
    parts = [record.text, record.photo] + ([record.fingerprint] if with_fingerprint else [])
    header = b"".join(len(part).to_bytes(2, "big") for part in parts)
    return header + b"".join(parts)


def format_sam_id(data: bytes) -> str:
    """The SAM's id as vendors print it, e.g. 05.01-20101012-0012345678-0123456789."""
    if len(data) != SAM_ID_LEN:
        raise TextBlockError(f"SAM id is {len(data)} bytes, expected {SAM_ID_LEN}")
    major, minor = (int.from_bytes(data[i:i + 2], "little") for i in (0, 2))
    words = [int.from_bytes(data[i:i + 4], "little") for i in (4, 8, 12)]
    return f"{major:02d}.{minor:02d}-{words[0]:08d}-{words[1]:010d}-{words[2]:010d}"


def build_sam_id(major: int, minor: int, date: int, serial: int, check: int) -> bytes:
    return (major.to_bytes(2, "little") + minor.to_bytes(2, "little") + date.to_bytes(4, "little")
            + serial.to_bytes(4, "little") + check.to_bytes(4, "little"))
