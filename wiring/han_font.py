"""The browser kiosk's Han font: one face of Noto Sans CJK, as an OpenType file a browser
loads with ``@font-face`` (browsers take no font collections).

The source is the collection the project installs: the ``noto-cjk-sans-otc`` wheel, else
Debian's ``fonts-noto-cjk``. The face is copied out of the collection table by table
(no glyph is changed); the result lives in the web server's memory for as long as it
runs, never on disk.
"""

from __future__ import annotations

import logging
import struct
from pathlib import Path

log = logging.getLogger(__package__)

# Monospaced: Latin half an em, Han a whole em: two terminal cells, as the terminal counts.
FACE = "Noto Sans Mono CJK SC"
DEBIAN_COLLECTION = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
_FAMILY_NAME_IDS = (1, 16)  # the family, the typographic family


class FontError(ValueError):
    """Not a font collection, or no face by that name in it."""


def collection_sources() -> list[Path]:
    """Where a Noto Sans CJK collection may be, the project's own first."""
    found: list[Path] = []
    try:
        from noto_cjk_sans_otc import FONT_PATH  # type: ignore[import-untyped]

        found.append(Path(str(FONT_PATH)))
    except ImportError:
        pass
    found.append(DEBIAN_COLLECTION)
    return [path for path in found if path.is_file()]


def _face_offsets(data: bytes) -> list[int]:
    if data[:4] != b"ttcf":
        raise FontError("not an OpenType font collection")
    (count,) = struct.unpack_from(">L", data, 8)
    return list(struct.unpack_from(f">{count}L", data, 12))


def _tables(data: bytes, offset: int) -> dict[bytes, tuple[int, int, int]]:
    """A face's tables: tag -> (checksum, offset, length)."""
    (count,) = struct.unpack_from(">H", data, offset + 4)
    tables = {}
    for n in range(count):
        tag, checksum, start, length = struct.unpack_from(">4sLLL", data, offset + 12 + 16 * n)
        tables[tag] = (checksum, start, length)
    return tables


def _family_names(data: bytes, tables: dict[bytes, tuple[int, int, int]]) -> set[str]:
    _, start, _ = tables[b"name"]
    _, count, strings = struct.unpack_from(">HHH", data, start)
    names = set()
    for n in range(count):
        platform, _, _, name_id, length, where = struct.unpack_from(
            ">HHHHHH", data, start + 6 + 12 * n)
        if name_id in _FAMILY_NAME_IDS and platform in (0, 3):  # Unicode, Windows: UTF-16
            at = start + strings + where
            names.add(data[at:at + length].decode("utf-16-be", errors="replace"))
    return names


def _checksum(data: bytes) -> int:
    padded = data + b"\0" * (-len(data) % 4)
    words: tuple[int, ...] = struct.unpack(f">{len(padded) // 4}L", padded)
    return sum(words) & 0xFFFFFFFF


def extract_face(collection: bytes, family: str = FACE) -> bytes:
    """The face named ``family`` of an OpenType collection, as a stand-alone font file."""
    for offset in _face_offsets(collection):
        tables = _tables(collection, offset)
        if family in _family_names(collection, tables):
            break
    else:
        raise FontError(f"no face {family!r} in the collection")
    header = collection[offset:offset + 12]  # sfnt version, table count, search fields
    directory, body = [], []
    at = 12 + 16 * len(tables)
    for tag in sorted(tables):
        checksum, start, length = tables[tag]
        blob = collection[start:start + length]
        directory.append(struct.pack(">4sLLL", tag, checksum, at, length))
        body.append(blob + b"\0" * (-length % 4))
        at += length + (-length % 4)
    font = bytearray(header + b"".join(directory) + b"".join(body))
    if b"head" in tables:  # the whole file's checksum, as the format asks
        head_at = struct.unpack_from(">L", font, 12 + 16 * sorted(tables).index(b"head") + 8)[0]
        struct.pack_into(">L", font, head_at + 8, 0)
        struct.pack_into(">L", font, head_at + 8, (0xB1B0AFBA - _checksum(bytes(font)))
                         & 0xFFFFFFFF)
    return bytes(font)


def han_web_font() -> bytes | None:
    """The Han face for the browser, or None (logged) when no collection is installed."""
    for source in collection_sources():
        try:
            font = extract_face(source.read_bytes())
        except (OSError, FontError, struct.error) as exc:
            log.warning("web font: %s: %s", source, exc)
            continue
        log.info("web font: %s from %s (%d bytes)", FACE, source, len(font))
        return font
    log.warning("web font: no Noto Sans CJK collection (pip install noto-cjk-sans-otc, or"
                " apt-get install fonts-noto-cjk): Han text falls back to the browser's fonts")
    return None
