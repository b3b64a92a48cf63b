"""kiosk.forms: one answer checked against its field definition."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from contracts.catalog import FieldSpec, FieldType
from kiosk.forms import answer_problem, normalise, parse_date
from kiosk.i18n import LANGUAGES, messages

TODAY = date(2026, 11, 23)


def spec(type_: FieldType, **extra: Any) -> FieldSpec:
    if type_ is FieldType.CHOICE:
        extra.setdefault(
            "choices",
            [{"value": "well", "zh": "健康", "en": "Well"},
             {"value": "fever", "zh": "发热", "en": "Fever"}],
        )
    return FieldSpec.model_validate(
        {"key": "f", "type": type_, "label_zh": "字段", "label_en": "Field", **extra})


CHOICE, PHONE, ID, DATE = (spec(FieldType.CHOICE), spec(FieldType.PHONE), spec(FieldType.ID_NUMBER),
                           spec(FieldType.DATE))
CREDIT = spec(FieldType.CREDIT_CODE)
TEXT5 = spec(FieldType.TEXT, max_length=5)

# (field, answer, problem) for every problem key answer_problem can give.
PROBLEMS = [
    (TEXT5, "", "required"),
    (PHONE, "   ", "required"),
    (CHOICE, "cough", "choice_unknown"),
    (CHOICE, "Well", "choice_unknown"),  # values are exact
    (PHONE, "138-1234-1234", "phone_digits"),
    (PHONE, "1381234123a", "phone_digits"),
    (PHONE, "1381234", "phone_length"),
    (PHONE, "138123412345", "phone_length"),
    (PHONE, "12812341234", "phone_prefix"),
    (PHONE, "10012341234", "phone_prefix"),
    (ID, "110105", "id_length"),
    (ID, "31010419850612123A", "id_characters"),
    (ID, "110105202302300013", "id_birth_date"),
    (ID, "110105202611240013", "id_birth_date"),  # born tomorrow
    (ID, "310104198506121231", "id_checksum"),
    (DATE, "2026/12/01", "date_format"),
    (DATE, "2026-12", "date_format"),
    (DATE, "2026-12-011", "date_format"),
    (DATE, "2026-02-30", "date_invalid"),
    (DATE, "20261301", "date_invalid"),
    (TEXT5, "abcdef", "text_too_long"),
    (CREDIT, "91350100M000100", "credit_length"),
    (CREDIT, "91350100M0001O", "credit_characters"),
    (CREDIT, "94", "credit_authority"),
    (CREDIT, "9135A", "credit_region"),
    (CREDIT, "913191319131913191", "credit_check"),  # accepted before issue 13, item 16
]

VALID = [
    (CHOICE, "fever"),
    (PHONE, "13812341234"),
    (PHONE, " 19912341234 "),
    (ID, "310104198506121230"),
    (ID, "11010519491231002x"),  # lowercase x accepted
    (ID, "810000199001010019"),  # Hong Kong permit
    (DATE, "2026-12-01"),
    (DATE, "20261201"),
    (DATE, "2028-02-29"),
    (TEXT5, "abcde"),
    (TEXT5, "张三李四王"),
    (CREDIT, "91350100M000100Y43"),  # GB 32100's worked example
    (CREDIT, " 91350100m000100y43 "),
]

INCOMPLETE = {"required", "phone_length", "id_length", "date_format", "credit_length"}


@pytest.mark.parametrize(("field", "value", "problem"), PROBLEMS)
def test_each_problem(field: FieldSpec, value: str, problem: str) -> None:
    assert answer_problem(field, value, TODAY) == problem


@pytest.mark.parametrize(("field", "value"), VALID)
def test_valid_answers_have_no_problem(field: FieldSpec, value: str) -> None:
    assert answer_problem(field, value, TODAY) is None
    assert answer_problem(field, value, TODAY, while_typing=True) is None


@pytest.mark.parametrize("type_", list(FieldType))
def test_an_optional_empty_field_has_no_problem(type_: FieldType) -> None:
    field = spec(type_, required=False)
    assert answer_problem(field, "", TODAY) is None
    assert answer_problem(field, "  ", TODAY) is None


@pytest.mark.parametrize("type_", list(FieldType))
def test_a_required_empty_field_is_required(type_: FieldType) -> None:
    assert answer_problem(spec(type_), "", TODAY) == "required"


@pytest.mark.parametrize(("field", "value", "problem"), [p for p in PROBLEMS if p[2] in INCOMPLETE])
def test_while_typing_holds_back_incomplete_problems(field: FieldSpec, value: str,
                                                     problem: str) -> None:
    assert answer_problem(field, value, TODAY, while_typing=True) is None
    assert answer_problem(field, value, TODAY, while_typing=False) == problem


@pytest.mark.parametrize(("field", "value", "problem"),
                         [p for p in PROBLEMS if p[2] not in INCOMPLETE])
def test_while_typing_still_shows_real_mistakes(field: FieldSpec, value: str, problem: str) -> None:
    assert answer_problem(field, value, TODAY, while_typing=True) == problem


def test_every_problem_key_has_a_message_in_every_language() -> None:
    keys = {p for _, _, p in PROBLEMS}
    assert keys >= INCOMPLETE | {"choice_unknown", "phone_digits", "phone_prefix", "date_invalid",
                                 "text_too_long", "id_characters", "id_birth_date", "id_checksum",
                                 "credit_characters", "credit_authority", "credit_region",
                                 "credit_check"}
    for lang in LANGUAGES:
        missing = {k for k in keys if f"problem.{k}" not in messages(lang)}
        assert not missing, f"{lang}: no message for {sorted(missing)}"


def test_while_typing_shows_a_wrong_character_in_a_partial_id_number() -> None:
    # 'A' can never become valid: that is a mistake, not "not finished yet".
    assert answer_problem(ID, "1101A", TODAY, while_typing=True) == "id_characters"


# -- normalise and parse_date ------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "raw", "expected"),
    [
        (DATE, "20261201", "2026-12-01"),
        (DATE, " 2026-12-01 ", "2026-12-01"),
        (DATE, "2026-02-30", "2026-02-30"),  # not a date: left for answer_problem to report
        (ID, "11010519491231002x", "11010519491231002X"),
        (ID, " 310104 19850612 1230 ", "310104198506121230"),
        (PHONE, " 13812341234 ", "13812341234"),
        (TEXT5, "  abc ", "abc"),
        (CHOICE, "well", "well"),
        (CREDIT, " 91350100m000100y43 ", "91350100M000100Y43"),
    ],
)
def test_normalise(field: FieldSpec, raw: str, expected: str) -> None:
    assert normalise(field, raw) == expected


def test_a_normalised_valid_answer_is_still_valid() -> None:
    for field, value in VALID:
        assert answer_problem(field, normalise(field, value), TODAY) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01", date(2026, 12, 1)),
        ("20261201", date(2026, 12, 1)),
        ("2028-02-29", date(2028, 2, 29)),
        ("2026-02-29", None),
        ("2026-12", None),
        ("2026/12/01", None),
        ("", None),
    ],
)
def test_parse_date(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected
