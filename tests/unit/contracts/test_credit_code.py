"""contracts.credit_code: GB 32100 unified social credit codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.credit_code import (
    ALPHABET,
    AUTHORITY_TYPES,
    WEIGHTS,
    CreditCodeProblem,
    check_character,
    credit_code_problem,
    normalise_credit_code,
)

# The standard's own worked example (GB 32100-2015, appendix on the check character, as
# quoted e.g. at https://www.yc00.com/web/1713075042a2177900.html): for 91350100M000100Y4
# the weighted sum is 1640, 1640 mod 31 = 28, 31 - 28 = 3, so the check character is 3 and
# the example's "91350100M000100Y4Z" is refused.
STANDARD_EXAMPLE = "91350100M000100Y43"
# Codes published as valid in other validators' documentation (winjs-dev/cloud-utils).
PUBLISHED = ["91230184MA1BUFLT44", "92371000MA3MXH0E3W"]


def test_weights_are_powers_of_three_mod_31() -> None:
    assert WEIGHTS == tuple(pow(3, i, 31) for i in range(17))


def test_the_standards_worked_example() -> None:
    first17 = STANDARD_EXAMPLE[:17]
    assert sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) == 1640
    assert check_character(first17) == "3"
    assert credit_code_problem(STANDARD_EXAMPLE) is None
    assert credit_code_problem("91350100M000100Y4Z") is CreditCodeProblem.CHARACTERS
    assert credit_code_problem("91350100M000100Y4A") is CreditCodeProblem.CHECK


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code: str) -> None:
    assert credit_code_problem(code) is None


def test_a_sum_divisible_by_31_gives_check_character_zero() -> None:
    # 31 - 0 = 31 is written 0. Y (30) x 1 + 1 x 3 + 1 x 29 (position 10) = 62 = 2 x 31.
    first17 = "Y1000000" + "01" + "0" * 7
    assert sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 31 == 0
    assert check_character(first17) == "0"


def test_the_code_accepted_by_mistake_in_issue_13_is_refused() -> None:
    assert credit_code_problem("913191319131913191") is CreditCodeProblem.CHECK


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("", CreditCodeProblem.EMPTY),
        ("   ", CreditCodeProblem.EMPTY),
        ("91350100M000100Y4", CreditCodeProblem.LENGTH),
        ("91350100M000100Y433", CreditCodeProblem.LENGTH),
        ("9135", CreditCodeProblem.LENGTH),
        ("91350100I000100Y43", CreditCodeProblem.CHARACTERS),  # I, O, Z, S, V are never used
        ("91350100MO", CreditCodeProblem.CHARACTERS),
        ("9135-0100", CreditCodeProblem.CHARACTERS),
        ("９１", CreditCodeProblem.CHARACTERS),  # full-width digits
        ("X", CreditCodeProblem.AUTHORITY),  # no authority X
        ("94", CreditCodeProblem.AUTHORITY),  # 工商 registers no type 4
        ("Y2", CreditCodeProblem.AUTHORITY),
        ("913A", CreditCodeProblem.REGION),
        ("91350100M000100Y4A", CreditCodeProblem.CHECK),
    ],
)
def test_each_problem(raw: str, problem: CreditCodeProblem) -> None:
    assert credit_code_problem(raw) is problem


@pytest.mark.parametrize("start", ["9", "91", "913501", "N2", "Y1", "A9"])
def test_a_good_start_is_only_short(start: str) -> None:
    assert credit_code_problem(start) is CreditCodeProblem.LENGTH


def test_normalise_upper_cases_and_drops_spaces() -> None:
    assert normalise_credit_code(" 91350100m000100y43 ") == STANDARD_EXAMPLE
    assert normalise_credit_code("913501 00M000 100Y43") == STANDARD_EXAMPLE
    assert credit_code_problem("91350100m000100y43") is None


# -- fuzzing ----------------------------------------------------------------------------

_CODE_CHAR = st.sampled_from(ALPHABET)


@st.composite
def valid_codes(draw: st.DrawFn) -> str:
    authority = draw(st.sampled_from(sorted(AUTHORITY_TYPES)))
    kind = draw(st.sampled_from(AUTHORITY_TYPES[authority]))
    region = draw(st.text(alphabet="0123456789", min_size=6, max_size=6))
    body = draw(st.text(alphabet=_CODE_CHAR, min_size=9, max_size=9))
    first17 = authority + kind + region + body
    return first17 + check_character(first17)


@given(st.text(max_size=40))
def test_any_text_gets_an_answer_never_an_exception(raw: str) -> None:
    assert credit_code_problem(raw) in (None, *CreditCodeProblem)


@given(st.text(alphabet=ALPHABET + "IOZSVa -", max_size=25))
def test_near_codes_get_an_answer_never_an_exception(raw: str) -> None:
    assert credit_code_problem(raw) in (None, *CreditCodeProblem)


@given(valid_codes())
def test_a_built_code_is_valid(code: str) -> None:
    assert credit_code_problem(code) is None
    assert credit_code_problem(code.lower()) is None


@given(valid_codes(), st.integers(0, 17), _CODE_CHAR)
def test_every_single_character_change_is_caught(code: str, at: int, new: str) -> None:
    # Every weight is non-zero mod 31, a prime: a changed character always moves the sum.
    if code[at] == new:
        return
    changed = code[:at] + new + code[at + 1:]
    assert credit_code_problem(changed) is not None
