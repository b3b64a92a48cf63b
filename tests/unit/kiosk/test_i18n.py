"""Every message exists in both languages, and every key the code uses exists."""

from __future__ import annotations

import re

import pytest

from kiosk.i18n import LANGUAGES, Translator, messages
from tests.support import REPO_ROOT

REPO = REPO_ROOT
# t("home.title") or self.t("x.y", ...); dynamic keys (f-strings) are checked below.
_LITERAL = re.compile(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z0-9_]+)+)["']""")


def test_both_languages_have_the_same_keys() -> None:
    zh, en = messages("zh-CN"), messages("en")
    assert sorted(set(zh) - set(en)) == []
    assert sorted(set(en) - set(zh)) == []


def test_placeholders_match_between_languages() -> None:
    zh, en = messages("zh-CN"), messages("en")
    for key in zh:
        assert set(re.findall(r"{(\w+)}", zh[key])) == set(re.findall(r"{(\w+)}", en[key])), key


def test_every_literal_key_in_the_code_exists() -> None:
    used = set()
    for folder in ("screens", "kiosk"):
        for path in (REPO / folder).rglob("*.py"):
            used |= set(_LITERAL.findall(path.read_text(encoding="utf-8")))
    assert used, "the scan found no keys"
    missing = sorted(k for k in used if k not in messages("zh-CN"))
    assert missing == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_dynamic_keys_exist(lang: str) -> None:
    from contracts.catalog import FieldType
    from contracts.credit_code import CreditCodeProblem
    from contracts.identity import Document, IdNumberProblem, IdSource
    from contracts.wire import BAD_REVIEW_REASONS
    from devices.idcard.sw3 import Remedy, known_status_words
    from kiosk.applications import Rating
    from kiosk.decision import Outcome
    from kiosk.forms import _problem  # noqa: F401 - the problems are listed below

    t = Translator(lang)
    keys = [f"done.title_{o}" for o in Outcome] + [f"slip.outcome.{o}" for o in Outcome]
    keys += [f"rating.level_{int(r)}" for r in Rating]
    keys += [f"rating.reason_{r}" for r in BAD_REVIEW_REASONS]
    keys += [f"identify.source_{s}" for s in IdSource if s is not IdSource.CARD]
    keys += [f"identify.doc_{d}" for d in Document]  # a card names its document
    keys += [f"problem.id_{p}" for p in IdNumberProblem]
    keys += [f"problem.credit_{p}" for p in CreditCodeProblem]
    # A credit code's placeholder is with its keypad's texts.
    keyed = [f for f in FieldType if f not in (FieldType.CHOICE, FieldType.CREDIT_CODE)]
    keys += [f"form.placeholder_{f.name.lower()}" for f in keyed]
    keys += ["keypad.placeholder_credit_code", "keypad.clear", "catalog.count_one",
             "catalog.count_more"]
    keys += [f"device.{d}" for d in ("idcard", "qr", "printer", "ready", "connecting",
                                     "unplugged", "not_responding", "sam_fault")]
    keys += [f"idcard.{r}" for r in Remedy if r is not Remedy.NONE]
    keys += ["idcard.expired", "idcard.not_yet_valid"]
    causes = [w.name for w in known_status_words()] + ["bad_frame", "no_answer", "malformed"]
    keys += [f"idcard.cause.{c}" for c in causes]
    problems = ["required", "choice_unknown", "phone_digits", "phone_length", "phone_prefix",
                "date_format", "date_invalid", "text_too_long", "name_required",
                "name_too_long", "name_characters"]
    keys += [f"problem.{p}" for p in problems]
    assert [k for k in keys if not t.has(k)] == []


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        Translator("fr")


def test_sync_errors_are_codes_the_staff_read_in_their_language() -> None:
    from kiosk.i18n import sync_error_text
    from offline_cache.sync_errors import SyncError, error_parts

    stored = SyncError.HTTP_STATUS.with_detail(503)
    assert error_parts(stored) == ("http_status", "503")
    assert sync_error_text(Translator("zh-CN"), stored) == "政务平台返回错误（HTTP 503）"
    assert sync_error_text(Translator("en"), SyncError.UNREACHABLE) == "cannot reach the platform"
    # A platform's own reason (or an older kiosk's prose) is shown as recorded.
    assert sync_error_text(Translator("zh-CN"), "payload.phone: too short") == \
        "原文：payload.phone: too short"
