"""contracts.identity: GB 11643 ID numbers, masking and name checks."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.identity import (
    Identity,
    IdNumberProblem,
    IdSource,
    birth_date_of,
    check_digit,
    id_number_problem,
    mask_id_number,
    mask_name,
    mask_phone,
    name_problem,
    normalise_id_number,
)

TODAY = date(2026, 11, 23)

# Check digits worked by hand: sum(d_i * w_i) with weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2,
# then (sum mod 11) looked up in "10X98765432".
HAND_COMPUTED = [
    # 1*7+1*9+0+1*5+0+5*4+1*2+9*1+4*6+9*3+1*7+2*9+3*10+1*5+0+0+2*2 = 167; 167 % 11 = 2 -> X
    ("11010519491231002", "X"),
    # sum 221; 221 % 11 = 1 -> 0
    ("31010419850612123", "0"),
    # sum 43; 43 % 11 = 10 -> 2
    ("11010120000101000", "2"),
    # sum 149; 149 % 11 = 6 -> 6
    ("11010119491231001", "6"),
]


# -- check digit ---------------------------------------------------------------


@pytest.mark.parametrize(("first17", "expected"), HAND_COMPUTED)
def test_check_digit_matches_hand_computation(first17: str, expected: str) -> None:
    assert check_digit(first17) == expected


@pytest.mark.parametrize("number", ["11010519491231002X", "310104198506121230"])
def test_well_known_numbers_are_valid(number: str) -> None:
    assert id_number_problem(number, TODAY) is None


def test_lowercase_x_is_accepted_through_normalise() -> None:
    assert normalise_id_number(" 11010519491231002x ") == "11010519491231002X"
    assert id_number_problem("11010519491231002x", TODAY) is None


def test_normalise_removes_inner_spaces() -> None:
    assert normalise_id_number("310104 19850612 1230") == "310104198506121230"
    assert id_number_problem("310104 19850612 1230", TODAY) is None


# -- each problem ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("", IdNumberProblem.EMPTY),
        ("   ", IdNumberProblem.EMPTY),
        ("31010419850612123", IdNumberProblem.LENGTH),  # 17
        ("3101041985061212300", IdNumberProblem.LENGTH),  # 19
        ("310104", IdNumberProblem.LENGTH),
        ("31010419850612123A", IdNumberProblem.CHARACTERS),
        ("X10104198506121230", IdNumberProblem.CHARACTERS),  # X only allowed last
        ("3101041985O6121230", IdNumberProblem.CHARACTERS),  # letter O, not zero
        ("110105202302300013", IdNumberProblem.BIRTH_DATE),  # 30 Feb 2023
        ("110105202313010013", IdNumberProblem.BIRTH_DATE),  # month 13
        ("110105202611000013", IdNumberProblem.BIRTH_DATE),  # day 0
        ("110105202611240013", IdNumberProblem.BIRTH_DATE),  # tomorrow
        ("110105203001010013", IdNumberProblem.BIRTH_DATE),  # far future
        ("110105187912310013", IdNumberProblem.BIRTH_DATE),  # before 1880
        ("11010519491231002 1", IdNumberProblem.CHECKSUM),  # inner space removed
        ("110105194912310021", IdNumberProblem.CHECKSUM),
        ("310104198506121231", IdNumberProblem.CHECKSUM),
    ],
)
def test_each_problem(raw: str, problem: IdNumberProblem) -> None:
    assert id_number_problem(raw, TODAY) is problem


def test_born_today_is_a_valid_birth_date() -> None:
    first17 = "110105" + TODAY.strftime("%Y%m%d") + "001"
    assert id_number_problem(first17 + check_digit(first17), TODAY) is None


def test_birth_date_problem_comes_before_checksum() -> None:
    # 20230230 does not exist: the citizen is told about the date, whatever the check digit.
    for last in "0123456789X":
        assert id_number_problem("11010520230230001" + last, TODAY) is IdNumberProblem.BIRTH_DATE


# -- permits and foreigner cards: checksum and date only, no region table ----------


@pytest.mark.parametrize(
    "number",
    [
        "810000199001010019",  # Hong Kong residence permit (sum 146 -> 3 -> 9)
        "820000198511110025",  # Macau residence permit (sum 183 -> 7 -> 5)
        "830000200002290031",  # Taiwan residence permit, born 29 Feb 2000 (sum 176 -> 0 -> 1)
        "933110199003070013",  # 2023 foreigner permanent residence card (sum 262 -> 9 -> 3)
        "990000199001010017",  # unknown region: still no region table
    ],
)
def test_permits_and_foreigner_numbers_pass_on_checksum(number: str) -> None:
    assert check_digit(number[:17]) == number[17]
    assert id_number_problem(number, TODAY) is None


@pytest.mark.parametrize(
    "number",
    ["810000199001010010", "820000198511110020", "830000200002290030", "933110199003070010"],
)
def test_permits_with_a_wrong_check_digit_are_refused(number: str) -> None:
    assert id_number_problem(number, TODAY) is IdNumberProblem.CHECKSUM


def test_birth_date_of_and_identity_birth_date() -> None:
    assert birth_date_of("11010519491231002X") == date(1949, 12, 31)
    person = Identity(name="张三", id_number="830000200002290031", source=IdSource.CARD)
    assert person.birth_date == date(2000, 2, 29)


# -- properties -----------------------------------------------------------------

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
region = st.text(alphabet="0123456789", min_size=6, max_size=6)
sequence = st.text(alphabet="0123456789", min_size=3, max_size=3)
births = st.dates(min_value=date(1880, 1, 1), max_value=TODAY)


@st.composite
def valid_id_numbers(draw: st.DrawFn) -> str:
    first17 = draw(region) + draw(births).strftime("%Y%m%d") + draw(sequence)
    return first17 + check_digit(first17)


@given(valid_id_numbers())
def test_any_valid_date_plus_computed_check_digit_is_valid(number: str) -> None:
    assert id_number_problem(number, TODAY) is None
    assert id_number_problem(number.lower(), TODAY) is None


@given(valid_id_numbers(), st.integers(min_value=0, max_value=17), st.data())
def test_every_single_character_change_is_detected(number: str, position: int,
                                                    data: st.DataObject) -> None:
    alphabet = "0123456789X" if position == 17 else "0123456789"
    replacement = data.draw(st.sampled_from([c for c in alphabet if c != number[position]]))
    changed = number[:position] + replacement + number[position + 1 :]
    # Usually CHECKSUM; a changed birth-date digit may also make the date impossible.
    assert id_number_problem(changed, TODAY) is not None


@given(valid_id_numbers())
def test_masked_id_number_hides_birth_date_and_keeps_first3_last4(number: str) -> None:
    masked = mask_id_number(number)
    assert len(masked) == 18
    assert masked[:3] == number[:3]
    assert masked[-4:] == number[-4:]
    assert set(masked[3:-4]) == {"*"}
    assert number[6:14] not in masked


def test_mask_id_number_example_and_normalises() -> None:
    assert mask_id_number("11010519491231002x") == "110***********002X"
    assert mask_id_number("123") == "***"


def test_non_ascii_digits_are_refused() -> None:
    # '３' is FULLWIDTH DIGIT THREE: one character changed from a valid number.
    assert id_number_problem("３10104198506121230", TODAY) is IdNumberProblem.CHARACTERS


# -- masking names and phones -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("欧阳娜娜", "欧***"),
        ("买买提·艾力", "买*****"),
        ("张", "张*"),  # a one-character name still shows a star
        ("  李四 ", "李*"),
        ("", ""),
    ],
)
def test_mask_name_keeps_only_the_first_character(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@given(st.text(min_size=2).filter(lambda s: len(s.strip()) >= 2))
def test_mask_name_never_shows_more_than_one_character(name: str) -> None:
    masked = mask_name(name)
    assert masked[0] == name.strip()[0]
    assert set(masked[1:]) == {"*"}


def test_mask_phone() -> None:
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone(" 13812341234 ") == "138****1234"
    assert mask_phone("12345") == "*****"


# -- names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("", "name_required"),
        ("   ", "name_required"),
        ("张" * 31, "name_too_long"),
        ("张三3", "name_characters"),
        ("123", "name_characters"),
        ("张三@", "name_characters"),
        ("张" * 30, None),
        ("张三", None),
        ("买买提·艾力", None),  # minority name with the middle dot
        ("阿沛·阿旺晋美", None),
        ("John Smith", None),
        ("O'Brien-Lee", None),
    ],
)
def test_name_problem(raw: str, problem: str | None) -> None:
    assert name_problem(raw) == problem
