"""The reader's status byte (SW3): what each value means and what the kiosk does about it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Remedy(StrEnum):
    """What the person at the kiosk should do; each has its own message (idcard.problem.*)."""

    NONE = "none"
    REPLACE_CARD = "replace_card"  # lift the card and place it again
    OTHER_CARD = "other_card"  # this card cannot be read here: use QR or typing
    READER_FAULT = "reader_fault"  # the reader is out of order: use QR or typing, staff told


@dataclass(frozen=True, slots=True)
class StatusWord:
    sw3: int
    name: str  # stable, for logs and the i18n key idcard.sw.<name> staff read
    remedy: Remedy


_TABLE = (
    StatusWord(0x90, "ok", Remedy.NONE),
    StatusWord(0x9F, "card_found", Remedy.NONE),
    StatusWord(0x91, "no_content", Remedy.NONE),
    # The reader says our frame was bad: a line or driver fault, not the card.
    StatusWord(0x10, "checksum_error", Remedy.READER_FAULT),
    StatusWord(0x11, "length_error", Remedy.READER_FAULT),
    StatusWord(0x21, "bad_command", Remedy.READER_FAULT),
    # Card and SAM authenticate each other: a badly placed card fails this too.
    StatusWord(0x31, "card_auth_failed", Remedy.REPLACE_CARD),
    StatusWord(0x32, "sam_auth_failed", Remedy.REPLACE_CARD),
    StatusWord(0x33, "verify_failed", Remedy.REPLACE_CARD),
    StatusWord(0x40, "wrong_card", Remedy.OTHER_CARD),
    StatusWord(0x41, "read_failed", Remedy.REPLACE_CARD),
    StatusWord(0x47, "random_failed", Remedy.REPLACE_CARD),
    StatusWord(0x60, "self_test_failed", Remedy.READER_FAULT),
    StatusWord(0x66, "not_authorised", Remedy.READER_FAULT),
    StatusWord(0x80, "find_failed", Remedy.NONE),  # no card on the reader: keep looking
    StatusWord(0x81, "select_failed", Remedy.REPLACE_CARD),
)
_BY_VALUE = {word.sw3: word for word in _TABLE}

OK = 0x90
CARD_FOUND = 0x9F
NO_CONTENT = 0x91
NO_CARD = 0x80


def status_word(sw3: int) -> StatusWord:
    """Every SW3 maps to a word; an undocumented value is a reader fault, named by its hex."""
    return _BY_VALUE.get(sw3) or StatusWord(sw3, f"unknown_{sw3:02x}", Remedy.READER_FAULT)


def known_status_words() -> tuple[StatusWord, ...]:
    return _TABLE
