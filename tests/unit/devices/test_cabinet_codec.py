"""The lock boards' codec: vectors worked by hand from the public descriptions (the XOR
of each frame is in the comment), and properties over any chunking and any garbage."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.cabinet import (
    BoardAnswer,
    CodecError,
    Command,
    CommandDecoder,
    Door,
    DoorState,
    Feedback,
    LockAnswer,
    XorBoardFamily,
)
from devices.cabinet.codec import AnswerDecoder

H = bytes.fromhex
FAMILY = XorBoardFamily()  # 3 status bytes, a contact shorted when locked
OPEN_, CLOSED = DoorState.OPEN, DoorState.CLOSED


# -- host -> board ---------------------------------------------------------------------
@pytest.mark.parametrize(("door", "wire"), [
    (Door(1, 1), "8A 01 01 11 9B"),  # 8A^01=8B, ^01=8A, ^11=9B
    (Door(1, 2), "8A 01 02 11 98"),  # 8B^02=89, ^11=98
    (Door(1, 6), "8A 01 06 11 9C"),  # 8B^06=8D, ^11=9C
    (Door(5, 24), "8A 05 18 11 86"),  # 8A^05=8F, ^18=97, ^11=86
])
def test_open_commands(door: Door, wire: str) -> None:
    assert FAMILY.encode_open(door) == H(wire)


@pytest.mark.parametrize(("door", "wire"), [
    (Door(1, 1), "80 01 01 33 B3"),  # 80^01^01=80, ^33=B3
    (Door(2, 12), "80 02 0C 33 BD"),  # 80^02=82, ^0C=8E, ^33=BD
])
def test_query_commands(door: Door, wire: str) -> None:
    assert FAMILY.encode_query(door) == H(wire)


@pytest.mark.parametrize(("board", "wire"), [
    (1, "80 01 00 33 B2"),  # 80^01=81, ^33=B2
    (2, "80 02 00 33 B1"),  # 82^33=B1
])
def test_query_all_commands(board: int, wire: str) -> None:
    assert FAMILY.encode_query_all(board) == H(wire)


@pytest.mark.parametrize("door", [Door(0, 1), Door(100, 1), Door(1, 0), Door(1, 100)])
def test_impossible_doors_are_not_encoded(door: Door) -> None:
    with pytest.raises(ValueError):
        FAMILY.encode_open(door)
    with pytest.raises(ValueError):
        FAMILY.encode_query(door)


# -- board -> host -----------------------------------------------------------------------
def decode(request: bytes, wire: bytes, family: XorBoardFamily = FAMILY) -> list[object]:
    return list(family.decoder(request).feed(wire))


@pytest.mark.parametrize(("wire", "state"), [
    ("8A 01 01 00 8A", OPEN_),  # contact open after the pulse: the lock released
    ("8A 01 01 11 9B", CLOSED),  # still shorted: the lock held (jammed)
])
def test_open_answers(wire: str, state: DoorState) -> None:
    assert decode(H("8A 01 01 11 9B"), H(wire)) == [LockAnswer(Door(1, 1), state, True)]


@pytest.mark.parametrize(("wire", "state"), [
    ("80 01 01 00 80", OPEN_),  # 80^01^01^00=80
    ("80 01 01 11 91", CLOSED),  # 80^01^01^11=91
])
def test_query_answers(wire: str, state: DoorState) -> None:
    assert decode(H("80 01 01 33 B3"), H(wire)) == [LockAnswer(Door(1, 1), state, False)]


def test_a_lock_that_shorts_when_open_reads_the_other_way() -> None:
    family = XorBoardFamily(feedback=Feedback.OPEN_SHORTS)
    assert decode(H("80 01 01 33 B3"), H("80 01 01 11 91"), family) == [
        LockAnswer(Door(1, 1), OPEN_, False)]


def board_states(shorted: set[int], family: XorBoardFamily = FAMILY) -> dict[int, DoorState]:
    return {lock: family.state_of(lock in shorted) for lock in range(1, family.channels() + 1)}


@pytest.mark.parametrize(("wire", "shorted"), [
    ("80 01 000000 33 B2", set()),  # 80^01^33=B2: every contact open
    ("80 01 000002 33 B0", {2}),  # bit 1 of the last byte: lock 2; 81^02=83, ^33=B0
    ("80 01 000005 33 B7", {1, 3}),  # 81^05=84, ^33=B7
    ("80 01 800001 33 33", {1, 24}),  # 81^80=01, ^01=00, ^33=33: the XOR may equal 33
    ("80 01 FFFFFF 33 4D", set(range(1, 25))),  # 81^FF^FF^FF=7E, ^33=4D
])
def test_board_answers(wire: str, shorted: set[int]) -> None:
    assert decode(H("80 01 00 33 B2"), H(wire)) == [BoardAnswer(1, board_states(shorted))]


def test_board_answers_with_another_width() -> None:
    family = XorBoardFamily(status_bytes=1)  # an 8-channel board's answer
    assert decode(H("80 01 00 33 B2"), H("80 01 81 33 33"), family) == [  # 81^81=00, ^33=33
        BoardAnswer(1, board_states({1, 8}, family))]


@pytest.mark.parametrize(("request_", "wire"), [
    ("80 01 01 33 B3", "80 01 01 00 81"),  # bad XOR
    ("80 01 01 33 B3", "80 01 01 22 A2"),  # XOR right, state neither 00 nor 11
    ("80 01 00 33 B2", "80 01 000000 44 C5"),  # XOR right, no 33 before it
    ("8A 01 01 11 9B", "8A 01 01 00 8B"),
])
def test_garbled_answers_raise_the_codec_error(request_: str, wire: str) -> None:
    with pytest.raises(CodecError):
        decode(H(request_), H(wire))


def test_noise_before_an_answer_is_skipped() -> None:
    assert decode(H("80 01 01 33 B3"), H("00 FF 13 80 01 01 00 80")) == [
        LockAnswer(Door(1, 1), OPEN_, False)]


def test_answers_about_another_door_are_late_answers_and_skipped() -> None:
    wire = H("80 01 02 00 83") + H("80 02 01 11 92") + H("80 01 01 11 91")
    assert decode(H("80 01 01 33 B3"), wire) == [LockAnswer(Door(1, 1), CLOSED, False)]


@pytest.mark.parametrize("garbled", ["80 01 01 00 81", "80 01 01 22 A2"])
def test_an_answer_after_a_garbled_one_is_found(garbled: str) -> None:
    decoder = FAMILY.decoder(H("80 01 01 33 B3"))
    with pytest.raises(CodecError):
        decoder.feed(H(garbled) + H("80 01 01 00 80"))
    assert drain(decoder) == [LockAnswer(Door(1, 1), OPEN_, False)]


# -- properties --------------------------------------------------------------------------
def drain(decoder: AnswerDecoder, chunk: bytes = b"") -> list[object]:
    """Feed, then rescan past every garbled frame: the answers found, errors dropped."""
    found: list[object] = []
    while True:
        try:
            found += decoder.feed(chunk)
            return found
        except CodecError:
            chunk = b""


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in zip(edges, edges[1:], strict=False)]


states = st.sampled_from([OPEN_, CLOSED])
feedbacks = st.sampled_from(list(Feedback))


@given(board=st.integers(1, 99), lock=st.integers(1, 99), state=states, feedback=feedbacks,
       opened=st.booleans(), cuts=st.lists(st.integers(0, 20), max_size=6))
def test_lock_answers_survive_any_chunking(board: int, lock: int, state: DoorState,
                                           feedback: Feedback, opened: bool,
                                           cuts: list[int]) -> None:
    family = XorBoardFamily(feedback=feedback)
    door = Door(board, lock)
    request = family.encode_open(door) if opened else family.encode_query(door)
    wire = family.encode_lock_answer(request[0], door, state)
    decoder = family.decoder(request)
    found = [a for chunk in chunked(wire, cuts) for a in decoder.feed(chunk)]
    assert found == [LockAnswer(door, state, opened)]


@given(board=st.integers(1, 99), width=st.integers(1, 8), feedback=feedbacks,
       shorted=st.sets(st.integers(1, 64)), cuts=st.lists(st.integers(0, 20), max_size=8))
def test_board_answers_survive_any_chunking(board: int, width: int, feedback: Feedback,
                                            shorted: set[int], cuts: list[int]) -> None:
    family = XorBoardFamily(status_bytes=width, feedback=feedback)
    expected = board_states({n for n in shorted if n <= family.channels()}, family)
    wire = family.encode_board_answer(board, expected)
    decoder = family.decoder(family.encode_query_all(board))
    found = [a for chunk in chunked(wire * 2, cuts) for a in decoder.feed(chunk)]
    assert found == [BoardAnswer(board, expected)] * 2


@given(garbage=st.binary(max_size=80), cuts=st.lists(st.integers(0, 80), max_size=8),
       which=st.sampled_from(["8A 01 01 11 9B", "80 01 01 33 B3", "80 01 00 33 B2"]))
def test_random_bytes_raise_only_the_codec_error(garbage: bytes, cuts: list[int],
                                                 which: str) -> None:
    decoder = FAMILY.decoder(H(which))
    for chunk in chunked(garbage, cuts):
        for answer in drain(decoder, chunk):
            assert isinstance(answer, LockAnswer | BoardAnswer)


@given(garbage=st.binary(max_size=40).filter(lambda b: 0x80 not in b and 0x8A not in b),
       board=st.integers(1, 99), lock=st.integers(1, 99))
def test_bytes_that_cannot_begin_an_answer_are_skipped(garbage: bytes, board: int,
                                                       lock: int) -> None:
    door = Door(board, lock)
    wire = garbage + FAMILY.encode_lock_answer(0x80, door, CLOSED)
    assert FAMILY.decoder(FAMILY.encode_query(door)).feed(wire) == [
        LockAnswer(door, CLOSED, False)]


# -- the boards' side (the mock cabinet) ---------------------------------------------------
@given(doors=st.lists(st.tuples(st.integers(1, 99), st.integers(0, 99), st.booleans()),
                      max_size=6), cuts=st.lists(st.integers(0, 40), max_size=8))
def test_commands_survive_any_chunking(doors: list[tuple[int, int, bool]],
                                       cuts: list[int]) -> None:
    commands = [Command(0x8A if opening else 0x80, board, lock)
                for board, lock, opening in doors]
    wire = b"".join(bytes([c.command, c.board, c.lock, 0x11 if c.command == 0x8A else 0x33])
                    for c in commands)
    wire = b"".join(body + bytes([_xor(body)]) for body in
                    (wire[i:i + 4] for i in range(0, len(wire), 4)))
    decoder = CommandDecoder()
    assert [c for chunk in chunked(wire, cuts) for c in decoder.feed(chunk)] == commands


@given(garbage=st.binary(max_size=80))
def test_random_bytes_to_a_board_raise_only_the_codec_error(garbage: bytes) -> None:
    decoder = CommandDecoder()
    chunk = garbage
    while True:
        try:
            assert all(isinstance(c, Command) for c in decoder.feed(chunk))
            break
        except CodecError:
            chunk = b""


def _xor(data: bytes) -> int:
    value = 0
    for byte in data:
        value ^= byte
    return value
