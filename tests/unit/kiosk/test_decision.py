"""kiosk.decision: an item's instant rules applied to one application."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from contracts.catalog import Item, load_catalog
from contracts.identity import Document, Identity, IdSource, check_digit
from kiosk.decision import Decision, EarlyRefusal, Outcome, decide, refusal_before_form
from wiring.config import DEMO_CONFIG, load_config


def person(born: date, region: str = "310104") -> Identity:
    first17 = region + born.strftime("%Y%m%d") + "123"
    return Identity(name="张三", id_number=first17 + check_digit(first17), source=IdSource.CARD)


def rule(condition: dict[str, Any], tag: str) -> dict[str, Any]:
    return {"condition": condition, "reason_zh": f"不符合：{tag}", "reason_en": f"Not met: {tag}"}


def item(*rules: dict[str, Any]) -> Item:
    return Item.model_validate(
        {
            "id": "test-item",
            "name_zh": "测试事项",
            "name_en": "Test item",
            "category": "personal",
            "department_zh": "测试局",
            "department_en": "Test bureau",
            "fields": [
                {
                    "key": "health",
                    "type": "choice",
                    "label_zh": "健康状况",
                    "label_en": "Health",
                    "choices": [
                        {"value": "well", "zh": "健康", "en": "Well"},
                        {"value": "fever", "zh": "发热", "en": "Fever"},
                        {"value": "cough", "zh": "咳嗽", "en": "Cough"},
                    ],
                }
            ],
            "instant_rules": list(rules),
        }
    )


MIN_18 = rule({"kind": "min_age", "years": 18}, "min_age 18")
MAX_17 = rule({"kind": "max_age", "years": 17}, "max_age 17")
SHANGHAI = rule({"kind": "region_prefix", "prefixes": ["31"]}, "region 31")
XIAMEN = rule({"kind": "region_prefix", "prefixes": ["350203", "350206"]}, "region Xiamen")
WELL = rule({"kind": "field_in", "field": "health", "values": ["well"]}, "health")
NOT_FEVER = rule({"kind": "field_in", "field": "health", "values": ["well", "cough"]}, "no fever")


def test_no_rules_goes_to_review() -> None:
    decision = decide(item(), person(date(1980, 1, 1)), {}, date(2026, 11, 23))
    assert decision == Decision(Outcome.REVIEW)
    assert decision.reason("zh-CN") == decision.reason("en") == ""


def test_all_rules_pass_is_approved_without_a_reason() -> None:
    decision = decide(item(MIN_18, SHANGHAI, WELL), person(date(1980, 1, 1)), {"health": "well"},
                      date(2026, 11, 23))
    assert decision.outcome is Outcome.APPROVED
    assert decision.reason("en") == ""


# -- min_age / max_age, birthday boundaries ---------------------------------------------


@pytest.mark.parametrize(
    ("born", "today", "outcome"),
    [
        (date(2008, 11, 23), date(2026, 11, 22), Outcome.REFUSED),  # day before 18th birthday
        (date(2008, 11, 23), date(2026, 11, 23), Outcome.APPROVED),  # 18 today
        (date(2008, 11, 23), date(2026, 11, 24), Outcome.APPROVED),
        (date(2008, 12, 31), date(2026, 1, 1), Outcome.REFUSED),  # year numbers alone would say 18
        # 29 February birthdays: in a non-leap year the birthday is reached on 1 March.
        (date(2008, 2, 29), date(2026, 2, 28), Outcome.REFUSED),
        (date(2008, 2, 29), date(2026, 3, 1), Outcome.APPROVED),
        (date(2010, 2, 28), date(2028, 2, 28), Outcome.APPROVED),
    ],
)
def test_min_age(born: date, today: date, outcome: Outcome) -> None:
    assert decide(item(MIN_18), person(born), {}, today).outcome is outcome


def test_min_age_29_february_in_a_leap_year() -> None:
    twenty = item(rule({"kind": "min_age", "years": 20}, "min_age 20"))
    born = date(2008, 2, 29)
    assert decide(twenty, person(born), {}, date(2028, 2, 28)).outcome is Outcome.REFUSED
    assert decide(twenty, person(born), {}, date(2028, 2, 29)).outcome is Outcome.APPROVED


@pytest.mark.parametrize(
    ("born", "today", "outcome"),
    [
        (date(2008, 11, 23), date(2026, 11, 22), Outcome.APPROVED),  # still 17
        (date(2008, 11, 23), date(2026, 11, 23), Outcome.REFUSED),  # 18 today
        (date(2008, 2, 29), date(2026, 2, 28), Outcome.APPROVED),  # 17 until 1 March
        (date(2008, 2, 29), date(2026, 3, 1), Outcome.REFUSED),
        (date(2026, 11, 23), date(2026, 11, 23), Outcome.APPROVED),  # born today, age 0
    ],
)
def test_max_age(born: date, today: date, outcome: Outcome) -> None:
    assert decide(item(MAX_17), person(born), {}, today).outcome is outcome


# -- region_prefix ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "rule_", "outcome"),
    [
        ("310104", SHANGHAI, Outcome.APPROVED),
        ("310115", SHANGHAI, Outcome.APPROVED),
        ("110105", SHANGHAI, Outcome.REFUSED),
        ("810000", SHANGHAI, Outcome.REFUSED),  # Hong Kong permit holder is not local
        ("350203", XIAMEN, Outcome.APPROVED),
        ("350206", XIAMEN, Outcome.APPROVED),
        ("350205", XIAMEN, Outcome.REFUSED),
    ],
)
def test_region_prefix(region: str, rule_: dict[str, Any], outcome: Outcome) -> None:
    decision = decide(item(rule_), person(date(1980, 5, 5), region), {}, date(2026, 11, 23))
    assert decision.outcome is outcome


# -- field_in -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "rule_", "outcome"),
    [
        ({"health": "well"}, WELL, Outcome.APPROVED),
        ({"health": "fever"}, WELL, Outcome.REFUSED),
        ({}, WELL, Outcome.REFUSED),  # no answer is not a pass
        ({"health": ""}, WELL, Outcome.REFUSED),
        ({"health": "cough"}, NOT_FEVER, Outcome.APPROVED),
        ({"health": "fever"}, NOT_FEVER, Outcome.REFUSED),
    ],
)
def test_field_in(answers: dict[str, str], rule_: dict[str, Any], outcome: Outcome) -> None:
    decision = decide(item(rule_), person(date(1980, 5, 5)), answers, date(2026, 11, 23))
    assert decision.outcome is outcome


# -- which reason is shown -------------------------------------------------------------------


def test_the_first_failing_rule_gives_the_reason() -> None:
    minor_from_beijing = person(date(2010, 6, 1), "110105")
    decision = decide(item(MIN_18, SHANGHAI, WELL), minor_from_beijing, {"health": "fever"},
                      date(2026, 11, 23))
    assert decision.outcome is Outcome.REFUSED
    assert decision.reason("zh-CN") == "不符合：min_age 18"
    assert decision.reason("en") == "Not met: min_age 18"


def test_a_later_rule_reason_when_earlier_rules_pass() -> None:
    adult_from_beijing = person(date(1980, 6, 1), "110105")
    decision = decide(item(MIN_18, SHANGHAI, WELL), adult_from_beijing, {"health": "fever"},
                      date(2026, 11, 23))
    assert decision.reason("zh-CN") == "不符合：region 31"
    assert decision.reason("zh") == "不符合：region 31"
    assert decision.reason("en") == "Not met: region 31"


def test_last_rule_reason() -> None:
    decision = decide(item(MIN_18, SHANGHAI, WELL), person(date(1980, 6, 1)), {"health": "fever"},
                      date(2026, 11, 23))
    assert (decision.outcome, decision.reason("en")) == (Outcome.REFUSED, "Not met: health")


def test_a_reservation_registers_and_never_approves() -> None:
    catalog = load_catalog(load_config(DEMO_CONFIG).catalog.path)
    item = catalog.get("mask-reservation")
    person = Identity("张伟", "310104198506121230", IdSource.CARD)
    well = {"health": "well"}
    assert decide(item, person, well, date(2026, 11, 23)).outcome is Outcome.REGISTERED
    sick = decide(item, person, {"health": "fever_or_cough"}, date(2026, 11, 23))
    assert sick.outcome is Outcome.REFUSED and sick.reason_zh


# -- decided right after identification (issue 13, items 2, 4 and 6) ------------------------


def with_fields(base: Item, **changes: Any) -> Item:
    return Item.model_validate({**base.model_dump(), **changes})


def test_what_the_identity_decides_is_known_before_the_form() -> None:
    minor = person(date(2015, 1, 1))
    refusal = refusal_before_form(item(MIN_18, WELL), minor, date(2026, 11, 23))
    assert refusal is not None and refusal.rule is not None
    assert refusal.reason("zh-CN") == "不符合：min_age 18"
    beijing = person(date(1980, 1, 1), "110105")
    refusal = refusal_before_form(item(MIN_18, SHANGHAI), beijing, date(2026, 11, 23))
    assert refusal is not None and refusal.reason("en") == "Not met: region 31"


def test_answers_are_not_judged_before_the_form() -> None:
    # WELL depends on an answer nobody has given yet: it must not refuse now.
    assert refusal_before_form(item(MIN_18, WELL), person(date(1980, 1, 1)),
                               date(2026, 11, 23)) is None


def test_a_document_the_item_does_not_take_is_refused_by_name() -> None:
    residents_only = with_fields(item(), accepts=["resident_id"])
    foreigner = replace(person(date(1980, 1, 1)), document=Document.FOREIGNER_CARD)
    refusal = refusal_before_form(residents_only, foreigner, date(2026, 11, 23))
    assert refusal == EarlyRefusal(document=Document.FOREIGNER_CARD)
    assert refusal_before_form(item(), foreigner, date(2026, 11, 23)) is None  # default: all
    with pytest.raises(ValueError):
        decide(residents_only, foreigner, {}, date(2026, 11, 23))


def test_a_typed_identity_is_never_approved_only_received_for_the_counter() -> None:
    typed = replace(person(date(1980, 1, 1)), source=IdSource.MANUAL)
    instant = with_fields(item(MIN_18), manual_entry=True)
    assert decide(instant, typed, {}, date(2026, 11, 23)).outcome is Outcome.VERIFY_AT_COUNTER
    # What the typed data already refuses is still refused.
    minor = replace(person(date(2015, 1, 1)), source=IdSource.MANUAL)
    assert decide(instant, minor, {}, date(2026, 11, 23)).outcome is Outcome.REFUSED
    # An item that does not take typed identities never decides one.
    with pytest.raises(ValueError):
        decide(item(MIN_18), typed, {}, date(2026, 11, 23))


def test_the_demo_catalog_takes_typed_identities_only_where_it_says() -> None:
    catalog = load_catalog(load_config(DEMO_CONFIG).catalog.path)
    allowed = {i.id for i in catalog.items if i.manual_entry}
    assert "marriage-record-proof" not in allowed
    assert "provident-fund-deposit-statement" in allowed
    local_only = catalog.get("household-registration-certificate")
    assert local_only.accepts == (Document.RESIDENT_ID,)
