"""A QR payload's raw bytes to text: UTF-8 first, then GB18030, never mojibake.

Chinese phones and government systems emit both; a decoder's own guess (zbar
assumes ISO-8859-1 or Shift-JIS without an ECI) turns either into garbage.
Some GB18030 byte strings are valid UTF-8 too (一 is D2 BB, which UTF-8 reads
as the Cyrillic һ): when both decode, the reading made of characters a
Chinese payload uses (ASCII, Han, CJK punctuation, full-width forms) wins,
and UTF-8 wins a tie.
"""

from __future__ import annotations

import re

# Characters a payload for this kiosk is made of; anything else counts against a reading.
_EXPECTED = re.compile(
    "[\t\n\r\x20-\x7e\u2000-\u206f\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f\u00b7]")


class PayloadTextError(ValueError):
    """The bytes are neither UTF-8 nor GB18030 text."""


def _strange(text: str) -> int:
    return len(text) - len(_EXPECTED.findall(text))


def _decode(raw: bytes, encoding: str) -> str | None:
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def payload_text(raw: bytes) -> str:
    utf8, gb = _decode(raw, "utf-8"), _decode(raw, "gb18030")
    if utf8 is not None and (gb is None or _strange(utf8) <= _strange(gb)):
        return utf8
    if gb is not None:
        return gb
    raise PayloadTextError(f"{len(raw)} bytes that are neither UTF-8 nor GB18030 text")
