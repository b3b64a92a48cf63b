"""The reader protocol codec: vectors worked out by hand from the protocol description,
and properties over arbitrary chunking and arbitrary garbage."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.idcard import (
    CardRecord,
    Command,
    CommandDecoder,
    Frame,
    FrameDecoder,
    FrameError,
    TextBlockError,
    build_command,
    build_response,
    parse_read_answer,
)
from devices.idcard.answers import build_read_answer, build_sam_id, format_sam_id
from devices.idcard.sw3 import Remedy, known_status_words, status_word

H = bytes.fromhex


# -- host -> reader: LEN counts CMD PARA CHK; CHK = XOR of LEN..PARA ---------------
@pytest.mark.parametrize(("command", "wire"), [
    (Command.RESET_SAM, "AAAAAA9669 0003 10FF EC"),
    (Command.SAM_STATUS, "AAAAAA9669 0003 11FF ED"),
    (Command.SAM_ID, "AAAAAA9669 0003 12FF EE"),
    (Command.FIND_CARD, "AAAAAA9669 0003 2001 22"),
    (Command.SELECT_CARD, "AAAAAA9669 0003 2002 21"),
    (Command.READ_TEXT_PHOTO, "AAAAAA9669 0003 3001 32"),
    (Command.READ_APPENDED_ADDRESS, "AAAAAA9669 0003 3003 30"),
    (Command.READ_TEXT_PHOTO_FINGERPRINT, "AAAAAA9669 0003 3010 23"),
])
def test_commands_on_the_wire(command: Command, wire: str) -> None:
    assert build_command(command.cmd, command.para) == H(wire)


def test_command_with_data_counts_and_checks_the_data() -> None:
    # LEN = 2 + 2 + 1 = 5; CHK = 00^05^20^01^AB^CD
    assert build_command(0x20, 0x01, H("ABCD")) == H("AAAAAA9669 0005 2001 ABCD") + bytes(
        [0x00 ^ 0x05 ^ 0x20 ^ 0x01 ^ 0xAB ^ 0xCD])


# -- reader -> host ----------------------------------------------------------------
@pytest.mark.parametrize(("wire", "frame"), [
    ("AAAAAA9669 0004 000080 84", Frame(0, 0, 0x80, b"")),  # no card
    ("AAAAAA9669 0008 00009F 00000000 97", Frame(0, 0, 0x9F, bytes(4))),  # card found
    ("AAAAAA9669 000C 000090 0000000000000000 9C", Frame(0, 0, 0x90, bytes(8))),  # selected
    ("AAAAAA9669 0004 000060 64", Frame(0, 0, 0x60, b"")),  # SAM self-test failed
])
def test_answers_decode(wire: str, frame: Frame) -> None:
    assert FrameDecoder().feed(H(wire)) == [frame]
    assert build_response(frame.sw3, frame.data) == H(wire)


def test_a_full_read_answer_is_1295_bytes() -> None:
    record = CardRecord(bytes(range(256)), bytes(1024))
    wire = build_response(0x90, build_read_answer(record))
    assert len(wire) == 1295
    assert wire[5:7] == H("0508")  # 3 status + 4 lengths + 256 + 1024 + CHK
    assert wire[10:14] == H("0100 0400")  # text length 256, photo length 1024
    (frame,) = FrameDecoder().feed(wire)
    assert parse_read_answer(frame.data) == record


def test_fingerprint_read_carries_three_lengths() -> None:
    record = CardRecord(bytes(256), bytes(1024), b"\x01" * 1024)
    wire = build_response(0x90, build_read_answer(record, with_fingerprint=True))
    assert len(wire) == 2321 and wire[5:7] == H("090A")
    (frame,) = FrameDecoder().feed(wire)
    assert parse_read_answer(frame.data, with_fingerprint=True) == record


@pytest.mark.parametrize("data", [b"", H("0100"), H("0100 0400") + bytes(100),
                                  H("0080 0400") + bytes(128 + 1024)])
def test_a_read_answer_that_does_not_add_up_is_refused(data: bytes) -> None:
    with pytest.raises(TextBlockError):
        parse_read_answer(data)


def test_sam_id_formats_as_vendors_print_it() -> None:
    assert format_sam_id(build_sam_id(5, 1, 20101012, 12345678, 3141592)) == \
        "05.01-20101012-0012345678-0003141592"


# -- reassembly and resynchronisation ------------------------------------------------
FOUND = build_response(0x9F, bytes(4))
NO_CARD = build_response(0x80)


def test_partial_and_merged_chunks() -> None:
    decoder = FrameDecoder()
    stream = FOUND + NO_CARD + FOUND
    assert decoder.feed(stream[:3]) == []
    assert decoder.feed(stream[3:12]) == []
    frames = decoder.feed(stream[12:20])
    frames += decoder.feed(stream[20:])
    assert [f.sw3 for f in frames] == [0x9F, 0x80, 0x9F]


def test_garbage_before_a_header_is_skipped() -> None:
    assert FrameDecoder().feed(b"\x00\xff\xaa\xaa\x96" + NO_CARD) == [Frame(0, 0, 0x80, b"")]


def test_a_preamble_split_across_chunks_is_kept() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(b"junk" + NO_CARD[:3]) == []
    assert decoder.feed(NO_CARD[3:]) == [Frame(0, 0, 0x80, b"")]


def test_bad_checksum_raises_and_the_decoder_goes_on() -> None:
    decoder = FrameDecoder()
    bad = NO_CARD[:-1] + b"\x00"
    with pytest.raises(FrameError, match="checksum") as caught:
        decoder.feed(FOUND + bad + NO_CARD)
    assert caught.value.reason == "checksum"
    assert [f.sw3 for f in caught.value.frames] == [0x9F]  # what came before is not lost
    assert decoder.feed(b"") == [Frame(0, 0, 0x80, b"")]  # what came after is still there


@pytest.mark.parametrize("length", ["0000", "0001", "0003", "FFFF", "1001"])
def test_impossible_length_raises_and_the_decoder_goes_on(length: str) -> None:
    decoder = FrameDecoder()
    with pytest.raises(FrameError, match="length") as caught:
        decoder.feed(H("AAAAAA9669") + H(length) + b"\x00" * 8)
    assert caught.value.reason == "length"
    assert decoder.feed(FOUND) == [Frame(0, 0, 0x9F, bytes(4))]


def test_a_good_frame_behind_a_corrupted_length_is_found() -> None:
    decoder = FrameDecoder()
    corrupted = H("AAAAAA9669 0010 000080")  # claims 16 bytes; the next frame starts inside
    with pytest.raises(FrameError):
        decoder.feed(corrupted + NO_CARD + FOUND)
    assert [f.sw3 for f in decoder.feed(b"")] == [0x80, 0x9F]


def test_skip_partial_finds_answers_behind_a_false_preamble() -> None:
    decoder = FrameDecoder()
    false_start = H("AAAAAA9669 0040 000080")  # claims 64 bytes that never come
    bad = NO_CARD[:-1] + b"\x00"
    assert decoder.feed(false_start + bad + FOUND) == []
    assert decoder.skip_partial() == [Frame(0, 0, 0x9F, bytes(4))]
    assert decoder.skip_partial() == []


def test_reset_drops_a_half_frame() -> None:
    decoder = FrameDecoder()
    decoder.feed(FOUND[:8])
    decoder.reset()
    assert decoder.feed(NO_CARD) == [Frame(0, 0, 0x80, b"")]


def test_command_decoder_reads_what_the_host_sends() -> None:
    frames = CommandDecoder().feed(build_command(0x20, 0x01) + build_command(0x30, 0x01))
    assert [(f.cmd, f.para) for f in frames] == [(0x20, 0x01), (0x30, 0x01)]


# -- properties ----------------------------------------------------------------------
frames_st = st.lists(
    st.tuples(st.integers(0, 255), st.binary(max_size=300)), min_size=1, max_size=6
).map(lambda items: [Frame(0, 0, sw3, data) for sw3, data in items])


def _chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


@given(frames=frames_st, cuts=st.lists(st.integers(0, 10_000), max_size=40))
@settings(max_examples=300, deadline=None)
def test_any_chunking_of_a_valid_stream_decodes_the_same(frames: list[Frame],
                                                         cuts: list[int]) -> None:
    stream = b"".join(build_response(f.sw3, f.data) for f in frames)
    decoder = FrameDecoder()
    got = [frame for chunk in _chunked(stream, cuts) for frame in decoder.feed(chunk)]
    assert got == frames


@given(noise=st.binary(max_size=2000), cuts=st.lists(st.integers(0, 10_000), max_size=30))
@settings(max_examples=500, deadline=None)
def test_random_bytes_only_ever_raise_frame_error(noise: bytes, cuts: list[int]) -> None:
    decoder = FrameDecoder()
    for chunk in _chunked(noise, cuts):
        try:
            decoder.feed(chunk)
        except FrameError:
            pass
    # Still usable: a good frame after the noise decodes (noise may hold a half frame).
    decoder.reset()
    assert decoder.feed(NO_CARD) == [Frame(0, 0, 0x80, b"")]


@given(noise=st.binary(max_size=500).filter(lambda b: b"\xaa\xaa\xaa\x96\x69" not in b
                                               and not b.endswith((b"\xaa", b"\x96"))),
       frames=frames_st)
@settings(max_examples=200, deadline=None)
def test_noise_without_a_preamble_between_frames_is_ignored(noise: bytes,
                                                           frames: list[Frame]) -> None:
    stream = b"".join(noise + build_response(f.sw3, f.data) for f in frames)
    assert FrameDecoder().feed(stream) == frames


@given(data=st.binary(max_size=3000))
@settings(max_examples=300, deadline=None)
def test_random_read_answers_only_raise_text_block_error(data: bytes) -> None:
    try:
        parse_read_answer(data)
    except TextBlockError:
        pass


# -- status bytes -------------------------------------------------------------------
def test_every_documented_status_byte_has_a_name_and_a_remedy() -> None:
    documented = {0x90, 0x9F, 0x91, 0x10, 0x11, 0x21, 0x31, 0x32, 0x33, 0x40, 0x41, 0x47,
                  0x60, 0x66, 0x80, 0x81}
    assert {w.sw3 for w in known_status_words()} == documented
    assert status_word(0x41).remedy is Remedy.REPLACE_CARD
    assert status_word(0x40).remedy is Remedy.OTHER_CARD
    assert status_word(0x60).remedy is Remedy.READER_FAULT
    assert status_word(0x80).remedy is Remedy.NONE
    unknown = status_word(0x5A)
    assert unknown.name == "unknown_5a" and unknown.remedy is Remedy.READER_FAULT
