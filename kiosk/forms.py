"""Checking a form answer against its field definition.

Each problem is specific (Qingdao's lesson: never a vague or wrong error on
correct input), and ``while_typing`` holds back the ones that only mean
"not finished yet".
"""

from __future__ import annotations

from datetime import date

from contracts.catalog import FieldSpec, FieldType
from contracts.credit_code import credit_code_problem, normalise_credit_code
from contracts.identity import id_number_problem, normalise_id_number

# Problems that only mean the answer is not complete yet.
_INCOMPLETE = {"required", "phone_length", "id_length", "date_format", "credit_length"}


def parse_date(text: str) -> date | None:
    """'2026-12-01' or '20261201'."""
    digits = text.strip().replace("-", "")
    if len(digits) != 8 or not digits.isdigit():
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def normalise(spec: FieldSpec, value: str) -> str:
    value = value.strip()
    if spec.type is FieldType.ID_NUMBER:
        return normalise_id_number(value)
    if spec.type is FieldType.CREDIT_CODE:
        return normalise_credit_code(value)
    if spec.type is FieldType.DATE and (parsed := parse_date(value)):
        return parsed.isoformat()
    return value


def answer_problem(spec: FieldSpec, value: str, today: date,
                   while_typing: bool = False) -> str | None:
    """The i18n key suffix of what is wrong ('phone_length'), or None."""
    problem = _problem(spec, value.strip(), today)
    if while_typing and problem in _INCOMPLETE:
        return None
    return problem


def _problem(spec: FieldSpec, value: str, today: date) -> str | None:
    if not value:
        return "required" if spec.required else None
    match spec.type:
        case FieldType.CHOICE:
            if value not in {c.value for c in spec.choices}:
                return "choice_unknown"
        case FieldType.PHONE:
            if not value.isascii() or not value.isdigit():
                return "phone_digits"
            # The prefix is checked on what is typed so far: a wrong start shows at once.
            if value[0] != "1" or (len(value) > 1 and value[1] not in "3456789"):
                return "phone_prefix"
            if len(value) != 11:
                return "phone_length"
        case FieldType.ID_NUMBER:
            problem = id_number_problem(value, today)
            if problem is not None:
                return f"id_{problem}"
        case FieldType.CREDIT_CODE:
            if (credit := credit_code_problem(value)) is not None:
                return f"credit_{credit}"
        case FieldType.DATE:
            digits = value.replace("-", "")
            if not digits.isdigit() or len(digits) != 8:
                return "date_format"
            if parse_date(value) is None:
                return "date_invalid"
        case FieldType.TEXT:
            if len(value) > spec.max_length:
                return "text_too_long"
    return None
