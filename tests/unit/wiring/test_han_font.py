"""The browser's Han font: one face copied out of the installed Noto Sans CJK collection."""

from __future__ import annotations

import io
import struct

import pytest
from PIL import ImageFont

from wiring.han_font import FACE, FontError, _checksum, collection_sources, extract_face


@pytest.fixture(scope="module")
def collection() -> bytes:
    sources = collection_sources()
    if not sources:
        pytest.skip("no Noto Sans CJK collection (the dev extra's noto-cjk-sans-otc wheel)")
    return sources[0].read_bytes()


def test_the_face_is_a_font_of_its_own(collection: bytes) -> None:
    font = extract_face(collection)
    assert font[:4] == b"OTTO"  # CFF outlines, a single font (not "ttcf")
    assert len(font) < len(collection)
    loaded = ImageFont.truetype(io.BytesIO(font), 32)
    assert loaded.getname() == (FACE, "Regular")
    # Han is drawn from it: 政 has a glyph (a box's width would be the .notdef's).
    left, top, right, bottom = loaded.getbbox("政务")
    assert right - left >= 50 and bottom - top >= 20
    # The whole file's checksum comes out as the format wants.
    assert _checksum(font) == 0xB1B0AFBA


def test_another_face_and_a_missing_one(collection: bytes) -> None:
    sc = extract_face(collection, "Noto Sans CJK SC")
    assert ImageFont.truetype(io.BytesIO(sc), 20).getname()[0] == "Noto Sans CJK SC"
    with pytest.raises(FontError, match="no face"):
        extract_face(collection, "Comic Sans")
    with pytest.raises(FontError, match="collection"):
        extract_face(struct.pack(">4sLL", b"OTTO", 0, 0))
