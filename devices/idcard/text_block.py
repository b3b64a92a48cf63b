"""The 256-byte text block (UTF-16LE, space padded) of every card type, both ways.

One layout table per card type serves the parser and the mock reader's encoder,
so the two cannot disagree. Byte 248 holds the card type flag on every layout.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from devices.idcard.codes import NATIONS, SEXES
from devices.idcard.holder import CardHolder, CardType

TEXT_BLOCK_LEN = 256
APPENDED_ADDRESS_LEN = 70
FLAG_OFFSET = 248
FOR_LIFE = "长期"

# (slot, bytes). Slots starting with "_" are reserved; "_flag" is the card type flag.
LAYOUTS: dict[CardType, tuple[tuple[str, int], ...]] = {
    CardType.RESIDENT: (
        ("name", 30), ("sex", 2), ("nation", 4), ("birth", 16), ("address", 70),
        ("id_number", 36), ("authority", 30), ("valid_from", 16), ("valid_until", 16),
        ("_reserved", 28), ("_flag", 2), ("_reserved2", 6),
    ),
    CardType.HMT_PERMIT: (
        ("name", 30), ("sex", 2), ("_reserved", 4), ("birth", 16), ("address", 70),
        ("id_number", 36), ("authority", 30), ("valid_from", 16), ("valid_until", 16),
        ("pass_number", 18), ("issue_count", 4), ("_reserved2", 6), ("_flag", 2),
        ("_reserved3", 6),
    ),
    CardType.FOREIGNER_2017: (
        ("english_name", 120), ("sex", 2), ("id_number", 30), ("nationality", 6),
        ("name", 30), ("valid_from", 16), ("valid_until", 16), ("birth", 16),
        ("card_version", 4), ("authority", 8), ("_flag", 2), ("_reserved", 6),
    ),
    CardType.FOREIGNER_2023: (
        ("name", 30), ("sex", 2), ("issue_count", 4), ("birth", 16), ("english_name", 70),
        ("id_number", 36), ("_reserved", 30), ("valid_from", 16), ("valid_until", 16),
        ("english_name_more", 22), ("nationality", 6), ("_flag", 2), ("previous_link", 6),
    ),
}
FLAGS: dict[CardType, str] = {
    CardType.RESIDENT: " ",
    CardType.HMT_PERMIT: "J",
    CardType.FOREIGNER_2017: "I",
    CardType.FOREIGNER_2023: "Y",
}
_BY_FLAG = {flag: card_type for card_type, flag in FLAGS.items()}

_ID_NUMBER = {
    CardType.RESIDENT: re.compile(r"[0-9]{17}[0-9X]"),
    CardType.HMT_PERMIT: re.compile(r"8[123][0-9]{15}[0-9X]"),
    CardType.FOREIGNER_2017: re.compile(r"[A-Z]{3}[0-9]{12}"),
    CardType.FOREIGNER_2023: re.compile(r"9[0-9]{16}[0-9X]"),
}
_DIGITS = re.compile(r"[0-9]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class TextBlockError(ValueError):
    """The text block is not a well-formed card record; nothing of it is returned."""


def parse_card_holder(text_block: bytes) -> CardHolder:
    """The holder recorded in a 256-byte text block; TextBlockError for anything malformed."""
    card_type, raw = _split(text_block)
    # The 2023 card continues the English name in a second slot: join before trimming.
    raw["english_name"] = raw.get("english_name", "") + raw.pop("english_name_more", "")
    fields = {k: _text(v, k) for k, v in raw.items() if not k.startswith("_")}
    return _card_holder(card_type, fields)


def parse_appended_address(data: bytes) -> str:
    """The address the 30 03 command returns: 70 bytes of UTF-16LE."""
    if len(data) != APPENDED_ADDRESS_LEN:
        raise TextBlockError(f"appended address is {len(data)} bytes, expected 70")
    address = _text(_decode(data, "appended address"), "appended address")
    if not address:
        raise TextBlockError("appended address is blank")
    return address


def encode_text_block(card_type: CardType, fields: Mapping[str, str]) -> bytes:
    """The text block a card of ``card_type`` carries (the mock reader's cards)."""
    slots = {name for name, _ in LAYOUTS[card_type]}
    unknown = set(fields) - slots
    if unknown:
        raise ValueError(f"{card_type} cards have no field {', '.join(sorted(unknown))}")
    values = {**fields, "_flag": FLAGS[card_type]}
    if card_type is CardType.FOREIGNER_2023:
        # The name slot holds 35 characters; the rest goes on in english_name_more.
        english = values.get("english_name", "")
        values["english_name"], values["english_name_more"] = english[:35], english[35:]
    return b"".join(_pad(values.get(name, ""), size, name) for name, size in LAYOUTS[card_type])


def encode_appended_address(address: str) -> bytes:
    return _pad(address, APPENDED_ADDRESS_LEN, "appended address")


# -- parsing ------------------------------------------------------------------
def _split(block: bytes) -> tuple[CardType, dict[str, str]]:
    if len(block) != TEXT_BLOCK_LEN:
        raise TextBlockError(f"text block is {len(block)} bytes, expected {TEXT_BLOCK_LEN}")
    card_type = _card_type(_decode(block[FLAG_OFFSET:FLAG_OFFSET + 2], "card type flag"))
    slots: dict[str, str] = {}
    offset = 0
    for name, size in LAYOUTS[card_type]:
        slots[name] = _decode(block[offset:offset + size], name)
        offset += size
    return card_type, slots


def _decode(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-16-le")
    except UnicodeDecodeError as exc:
        raise TextBlockError(f"{what}: not UTF-16LE text ({exc.reason})") from exc


def _text(raw: str, what: str) -> str:
    # Cards pad with spaces; some readers and writers leave NULs.
    value = raw.replace("\x00", " ").strip()
    if _CONTROL.search(value):
        raise TextBlockError(f"{what}: control characters in the text")
    return value


def _card_type(flag: str) -> CardType:
    card_type = _BY_FLAG.get(flag.replace("\x00", " ").strip() or " ")
    if card_type is None:
        raise TextBlockError(f"unknown card type flag {flag!r}")
    return card_type


def _card_holder(card_type: CardType, f: dict[str, str]) -> CardHolder:
    english = f["english_name"]
    name = f.get("name", "")
    if not name and not english:
        raise TextBlockError("the card holds no name")
    id_number = f["id_number"]
    if not _ID_NUMBER[card_type].fullmatch(id_number):
        raise TextBlockError(f"{card_type} number has the wrong form ({len(id_number)} chars)")
    if card_type is CardType.RESIDENT and f["nation"] not in NATIONS:
        raise TextBlockError(f"unknown nation code {f['nation']!r}")
    if f["sex"] not in SEXES:
        raise TextBlockError(f"unknown sex code {f['sex']!r}")
    if card_type in (CardType.FOREIGNER_2017, CardType.FOREIGNER_2023):
        if not re.fullmatch(r"[A-Z]{3}", f["nationality"]):
            raise TextBlockError("nationality is not a 3-letter code")
    if card_type in (CardType.RESIDENT, CardType.HMT_PERMIT) and not f["address"]:
        raise TextBlockError("the card holds no address")
    valid_from = _date(f["valid_from"], "valid_from")
    valid_until = None if f["valid_until"] == FOR_LIFE else _date(f["valid_until"], "valid_until")
    if valid_until is not None and valid_until < valid_from:
        raise TextBlockError("valid_until is before valid_from")
    return CardHolder(
        card_type=card_type,
        name=name,
        sex=SEXES[f["sex"]],
        nation=NATIONS[f["nation"]] if card_type is CardType.RESIDENT else "",
        birth_date=_date(f["birth"], "birth"),
        address=f.get("address", ""),
        id_number=id_number,
        authority=f.get("authority", ""),
        valid_from=valid_from,
        valid_until=valid_until,
        english_name=english,
        nationality=f.get("nationality", ""),
        pass_number=f.get("pass_number", ""),
        issue_count=_count(f.get("issue_count", "")),
        card_version=f.get("card_version", ""),
    )


def _date(value: str, what: str) -> date:
    if len(value) != 8 or not _DIGITS.fullmatch(value):
        raise TextBlockError(f"{what} is not a YYYYMMDD date")  # no value: it is personal
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError as exc:
        raise TextBlockError(f"{what} is not a real date") from exc


def _count(value: str) -> int | None:
    if not value:
        return None
    if not _DIGITS.fullmatch(value):
        raise TextBlockError("issue_count is not a number")
    return int(value)


# -- encoding (mock cards) ----------------------------------------------------
def _pad(value: str, size: int, what: str) -> bytes:
    raw = value.encode("utf-16-le")
    if len(raw) > size:
        raise ValueError(f"{what}: {value!r} does not fit in {size} bytes")
    return raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)
