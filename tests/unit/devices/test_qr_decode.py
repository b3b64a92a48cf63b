"""QR decoding: payload text, each backend on generated codes (Chinese too), the
pipeline on every corpus category, and bad frames refused clearly."""

from __future__ import annotations

import numpy as np
import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.qr_corpus import CATEGORIES, make_sample, qr_modules
from devices.qr import decode_frame
from devices.qr.backends import BACKENDS
from devices.qr.pipeline import decode_raw
from devices.qr.text import Payload, PayloadTextError, declared_by_zxing, payload_text

CHINESE = "上海市徐汇区 口罩预约取件 窗口3"


def clean_frame(payload: bytes, module_px: int = 6) -> np.ndarray:
    code = qr_modules(payload)
    tile = np.kron(code, np.ones((module_px, module_px), dtype=np.uint8))
    frame = np.full((720, 1280), 200, dtype=np.uint8)
    frame[100:100 + tile.shape[0], 300:300 + tile.shape[1]] = tile
    return frame


# -- bytes to text -------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_chinese_text_in_either_encoding(encoding: str) -> None:
    assert payload_text(CHINESE.encode(encoding)) == CHINESE


@pytest.mark.parametrize("raw", [b"\xff\xfe\xfd\xfc", b"\x81", b"abc\x00def"])
def test_bytes_that_are_not_text_are_refused(raw: bytes) -> None:
    with pytest.raises(PayloadTextError):
        payload_text(raw)


payload_chars = st.one_of(st.characters(min_codepoint=0x20, max_codepoint=0x7E),
                          st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
                          st.characters(min_codepoint=0x3000, max_codepoint=0x303F),
                          st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E))


@given(st.text(alphabet=payload_chars))
@settings(max_examples=300, deadline=None)
def test_any_utf8_payload_text_comes_back(text: str) -> None:
    assert payload_text(text.encode("utf-8")) == text


def test_gb18030_bytes_that_are_also_utf8_read_as_chinese() -> None:
    assert "一".encode("gb18030").decode("utf-8") == "һ"  # the trap: valid UTF-8
    assert payload_text("一".encode("gb18030")) == "一"
    assert payload_text("一号窗口".encode("gb18030")) == "一号窗口"


def test_a_tie_goes_to_utf8() -> None:
    # Hypothesis found it: 銗僨 in GB18030 is E3 90 83 66, which UTF-8 reads as 㐃f
    # (extension A and a letter), as plausible a payload: UTF-8 wins a tie.
    assert payload_text("銗僨".encode("gb18030")) == "㐃f"


@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1))
@settings(max_examples=500, deadline=None)
def test_any_gb18030_han_text_comes_back(text: str) -> None:
    raw = text.encode("gb18030")
    try:
        as_utf8 = raw.decode("utf-8")
    except UnicodeDecodeError:
        as_utf8 = None
    # Han, with extension A (銗僨 is also 㐃f), or printable ASCII: plausible text in both
    # readings (铳丂 is also 論@), where UTF-8 wins by rule.
    if as_utf8 is not None and all("\u3400" <= ch <= "\u4dbf" or "\u4e00" <= ch <= "\u9fff"
                                   or " " <= ch <= "~" for ch in as_utf8):
        return
    assert payload_text(raw) == text


@given(st.binary(max_size=200))
@settings(max_examples=300, deadline=None)
def test_random_bytes_give_text_or_a_clear_error(raw: bytes) -> None:
    try:
        assert isinstance(payload_text(raw), str)
    except PayloadTextError:
        pass


# -- backends --------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(BACKENDS))
@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_each_backend_returns_the_raw_bytes(name: str, encoding: str) -> None:
    payload = CHINESE.encode(encoding)
    assert BACKENDS[name]().decode(clean_frame(payload)) == [payload]


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_no_backend_reads_a_blank_frame(name: str) -> None:
    assert BACKENDS[name]().decode(np.full((720, 1280), 128, dtype=np.uint8)) == []


def test_zbar_does_not_read_inverted_codes_but_the_pipeline_does() -> None:
    inverted = 255 - clean_frame(b"XH-CCB-0001-000042")
    assert BACKENDS["zbar"]().decode(inverted) == []
    assert decode_frame(inverted) == ["XH-CCB-0001-000042"]


# -- the pipeline --------------------------------------------------------------------
@pytest.mark.parametrize("category", [c for c in CATEGORIES if c != "empty"])
def test_pipeline_reads_each_category(category: str) -> None:
    samples = [make_sample(category, seed) for seed in range(6)]
    read = sum(s.payload in decode_raw(s.gray) for s in samples)
    assert read >= 5, f"{category}: {read}/6"


def test_pipeline_never_reads_an_empty_frame() -> None:
    for seed in range(15):
        assert decode_raw(make_sample("empty", seed).gray) == []


def test_decode_frame_gives_text_from_gb18030_bytes() -> None:
    assert decode_frame(clean_frame(CHINESE.encode("gb18030"))) == [CHINESE]


def test_a_code_of_binary_bytes_is_left_out() -> None:
    assert decode_frame(clean_frame(b"\xff\xfe\x00\x01binary")) == []


@pytest.mark.parametrize("frame", [np.zeros((720, 1280, 3), np.uint8),
                                   np.zeros((720, 1280), np.float32),
                                   np.zeros(100, np.uint8)])
def test_a_frame_that_is_not_greyscale_is_refused(frame: np.ndarray) -> None:
    with pytest.raises(ValueError, match="2-D uint8 greyscale"):
        decode_frame(frame)


# -- what the symbol declares: ECI and kanji mode --------------------------------------
def zxing_symbol_frame(content: str, **options: object) -> np.ndarray:
    """A symbol written by zxing-cpp: a str with kanji goes in kanji mode (Shift_JIS, no
    ECI); eci=N writes an ECI designator and the text in that character set."""
    symbol = zxingcpp.create_barcode(content, zxingcpp.BarcodeFormat.QRCode, **options)
    tile = np.array(zxingcpp.write_barcode_to_image(symbol, scale=6))
    frame = np.full((720, 1280), 200, dtype=np.uint8)
    frame[100:100 + tile.shape[0], 300:300 + tile.shape[1]] = tile
    return frame


DECLARED = [
    ("日本語テキスト", {}),  # kanji mode: Shift_JIS by definition
    ("東京都千代田区 窓口3", {}),  # kanji, byte and numeric segments
    ("日本語のテキスト abc", {"eci": 20}),  # ECI 20: Shift_JIS
    ("上海市徐汇区 一号窗口", {"eci": 32}),  # ECI 32: GB18030
    ("一号窗口", {"eci": 26}),  # ECI 26: UTF-8
    ("Ünïcode", {"eci": 3}),  # ECI 3: ISO-8859-1
]


@pytest.mark.parametrize(("text", "options"), DECLARED)
def test_the_pipeline_reads_the_declared_encoding(text: str, options: dict[str, object]) -> None:
    assert decode_frame(zxing_symbol_frame(text, **options)) == [text]


@pytest.mark.parametrize("name", ["zxing", "opencv"])
@pytest.mark.parametrize(("text", "options"), DECLARED)
def test_backends_that_know_the_declaration_use_it(name: str, text: str,
                                                   options: dict[str, object]) -> None:
    assert [payload_text(raw) for raw in BACKENDS[name]().decode(
        zxing_symbol_frame(text, **options))] == [text]


def test_shift_jis_in_kanji_mode_was_read_as_gb18030_by_the_bytes_alone() -> None:
    # The loss the declaration fixes: the same bytes, undeclared, are guessed GB18030.
    raw = "日本語テキスト".encode("shift_jis")
    assert payload_text(raw) != "日本語テキスト"
    assert payload_text(Payload(raw, "日本語テキスト")) == "日本語テキスト"


def test_a_payload_is_still_its_bytes() -> None:
    payload = Payload(b"XH-CCB-0001-000042", "XH-CCB-0001-000042")
    assert payload == b"XH-CCB-0001-000042"
    assert b"XH-CCB-0001-000042" in [payload]


def test_undeclared_bytes_are_still_guessed() -> None:
    raw = CHINESE.encode("gb18030")
    frame = clean_frame(raw)  # the qrcode package writes byte mode without an ECI
    assert decode_frame(frame) == [CHINESE]
    assert [getattr(p, "declared", None) for p in decode_raw(frame)] == [None]


def eci_protocol_hex(segments: list[tuple[int, bytes]]) -> str:
    out = b"]Q2"
    for eci, raw in segments:
        out += b"\\" + f"{eci:06d}".encode() + raw.replace(b"\\", b"\\\\")
    return out.hex(" ").upper()


eci_segments = st.lists(st.tuples(st.sampled_from([3, 20, 26, 32]),
                                  st.text(alphabet=payload_chars | st.just("\\"), max_size=12)),
                        min_size=1, max_size=4)


@given(eci_segments)
@settings(max_examples=300, deadline=None)
def test_the_eci_protocol_text_is_parsed_back(segments: list[tuple[int, str]]) -> None:
    codec = {3: "latin-1", 20: "shift_jis", 26: "utf-8", 32: "gb18030"}
    encoded = []
    for eci, text in segments:
        try:
            encoded.append((eci, text.encode(codec[eci])))
        except UnicodeEncodeError:
            return  # not representable in that character set: no encoder would write it
    raw = b"".join(r for _, r in encoded)
    assert declared_by_zxing(eci_protocol_hex(encoded), raw) == "".join(t for _, t in segments)


@given(st.text(alphabet=payload_chars, max_size=20),
       st.sampled_from("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分"))
@settings(max_examples=300, deadline=None)
def test_undeclared_gb18030_with_a_common_han_character_is_not_taken_for_kanji(
        text: str, common: str) -> None:
    raw = (text + common).encode("gb18030")
    assert declared_by_zxing((b"]Q1" + raw.replace(b"\\", b"\\\\")).hex(" "), raw) is None


# -- never worse than zxing-cpp alone --------------------------------------------------
def test_the_pipeline_reads_every_frame_zxing_alone_reads() -> None:
    zxing = BACKENDS["zxing"]()
    for category in ("inverted_low_contrast", "low_contrast", "inverted_phone", "small"):
        for seed in range(8):
            sample = make_sample(category, seed)
            if sample.payload in zxing.decode(sample.gray):
                assert sample.payload in decode_raw(sample.gray), f"{category} {seed}"


def test_opencv_does_not_carry_a_declaration_over_to_the_next_code() -> None:
    # OpenCV's getEncoding() is sticky: after a kanji-mode code it said Shift_JIS for
    # the next one, whatever that declared.
    opencv = BACKENDS["opencv"]()
    opencv.decode(zxing_symbol_frame("日本語テキスト"))
    assert [payload_text(raw) for raw in opencv.decode(zxing_symbol_frame("Ünïcode", eci=3))
            ] == ["Ünïcode"]
