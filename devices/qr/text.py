"""A QR payload's raw bytes to text: what the symbol declares first, else UTF-8 then
GB18030, never mojibake.

A symbol may declare its character set: an ECI (Extended Channel Interpretation:
26 UTF-8, 20 Shift_JIS, 32 GB18030, ...) before a segment, or kanji mode, whose
characters are Shift_JIS by definition. A decoder that knows the declaration hands
back a ``Payload``: the raw bytes with the text as declared, which wins.

Undeclared bytes are guessed. Chinese phones and government systems emit both
UTF-8 and GB18030 without an ECI; a decoder's own guess (zbar assumes ISO-8859-1
or Shift-JIS) turns either into garbage. Some GB18030 byte strings are valid UTF-8
too (一 is D2 BB, which UTF-8 reads as the Cyrillic һ): when both decode, the
reading made of characters a Chinese payload uses (ASCII, Han, CJK punctuation,
full-width forms) wins, and UTF-8 wins a tie.
"""

from __future__ import annotations

import codecs
import re

# Characters a payload for this kiosk is made of; anything else counts against a reading.
_EXPECTED = re.compile(
    "[\t\n\r\x20-\x7e\u2000-\u206f\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f\u00b7]")

# ECI assignments (AIM ITS/04-001) that name a character set Python knows. 899 is
# "binary" and anything missing here is not text we can read by declaration.
ECI_CODECS = {
    1: "latin-1", 3: "latin-1", 4: "iso8859-2", 5: "iso8859-3", 6: "iso8859-4",
    7: "iso8859-5", 8: "iso8859-6", 9: "iso8859-7", 10: "iso8859-8", 11: "iso8859-9",
    12: "iso8859-10", 13: "iso8859-11", 15: "iso8859-13", 16: "iso8859-14",
    17: "iso8859-15", 18: "iso8859-16", 20: "shift_jis", 21: "cp1250", 22: "cp1251",
    23: "cp1252", 24: "cp1256", 25: "utf-16-be", 26: "utf-8", 27: "ascii", 28: "big5",
    29: "gb18030", 30: "euc_kr", 31: "gbk", 32: "gb18030", 33: "utf-16-le",
    34: "utf-32-be", 35: "utf-32-le", 170: "ascii",
}
assert all(codecs.lookup(name) for name in ECI_CODECS.values())


# In the ECI protocol: a designator (backslash, six digits), a doubled backslash (one
# literal backslash), or a run of other bytes.
_ECI_TOKENS = re.compile(rb"\\(\d{6})|\\\\|[^\\]+|\\", re.DOTALL)


class PayloadTextError(ValueError):
    """The bytes are neither UTF-8 nor GB18030 text."""


class Payload(bytes):
    """A payload's raw bytes, and its text as the symbol declared it (None: undeclared).

    A ``bytes`` so that every caller that compares or stores raw payloads keeps working;
    ``payload_text`` reads the declaration."""

    declared: str | None

    def __new__(cls, raw: bytes, declared: str | None = None) -> Payload:
        payload = super().__new__(cls, raw)
        payload.declared = declared
        return payload


def _strange(text: str) -> int:
    return len(text) - len(_EXPECTED.findall(text))


def _decode(raw: bytes, encoding: str) -> str | None:
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def declared_text(segments: list[tuple[int | None, bytes]]) -> str | None:
    """The text of (ECI, bytes) segments as declared; None when a segment is not declared
    text (no ECI, binary, an unknown ECI, or bytes its character set cannot read)."""
    parts = []
    for eci, raw in segments:
        codec = ECI_CODECS.get(eci) if eci is not None else None
        text = _decode(raw, codec) if codec else None
        if text is None:
            return None
        parts.append(text)
    return "".join(parts)


def _kanji_pairs(raw: bytes) -> bool:
    """Every byte past ASCII is one of the two-byte Shift_JIS characters kanji mode holds
    (8140-9FFC, E040-EBBF), and the bytes are not UTF-8."""
    if raw.isascii() or _decode(raw, "utf-8") is not None:
        return False
    i = 0
    while i < len(raw):
        if raw[i] < 0x80:
            i += 1
            continue
        pair = raw[i:i + 2]
        if len(pair) < 2 or not (0x8140 <= int.from_bytes(pair) <= 0x9FFC
                                 or 0xE040 <= int.from_bytes(pair) <= 0xEBBF):
            return False
        if not 0x40 <= pair[1] <= 0xFC or pair[1] == 0x7F:
            return False
        i += 2
    return _decode(raw, "shift_jis") is not None


def declared_by_zxing(hex_eci: str, raw: bytes) -> str | None:
    """The declared text of a zxing-cpp result read with ``TextMode.HexECI``.

    That text is the hex of the symbol's content in the ECI protocol: ``]Q`` and a
    digit, then, when the symbol has ECIs, a ``\\NNNNNN`` designator before each
    segment (a literal backslash doubled). Without an ECI, zxing-cpp's Python API does
    not say which segments were kanji mode: bytes made only of kanji-mode Shift_JIS
    characters (and ASCII) that are not UTF-8 are taken as kanji mode. No common
    GB18030 Han character fits (their first bytes, B0-D7, are single-byte katakana in
    Shift_JIS), so the kiosk's own Chinese payloads are not mistaken."""
    try:
        content = bytes.fromhex(hex_eci)
    except ValueError:
        return None
    body = content[3:] if content[:2] == b"]Q" else content
    segments: list[tuple[int | None, bytes]] = []
    eci: int | None = None
    current = bytearray()
    has_eci = False
    for token in _ECI_TOKENS.finditer(body):
        if token.group(1) is not None:  # a designator
            if current or has_eci:
                segments.append((eci, bytes(current)))
            eci, current, has_eci = int(token.group(1)), bytearray(), True
        else:  # a doubled backslash, or a run of plain bytes
            current += token.group(0)[:1] if token.group(0) == b"\\\\" else token.group(0)
    segments.append((eci, bytes(current)))
    if has_eci:
        return declared_text([s for s in segments if s[1]])
    if _kanji_pairs(raw):
        return _decode(raw, "shift_jis")
    return None


def payload_text(raw: bytes) -> str:
    if isinstance(raw, Payload) and raw.declared is not None:
        return raw.declared
    utf8, gb = _decode(raw, "utf-8"), _decode(raw, "gb18030")
    if utf8 is not None and (gb is None or _strange(utf8) <= _strange(gb)):
        return utf8
    if gb is not None:
        return gb
    raise PayloadTextError(f"{len(raw)} bytes that are neither UTF-8 nor GB18030 text")
