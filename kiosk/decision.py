"""Instant decisions: the catalog's rules applied to one application.

An item without rules goes to review; a failed condition refuses with that
condition's own reason, so the citizen always learns why. What the identity alone
decides (the document, age, household registration) is known right after
identification: ``refusal_before_form`` says it there, before anyone fills a form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from contracts.catalog import FieldIn, Item, MaxAge, MinAge, RegionPrefix, RuleCheck
from contracts.clock import age_on
from contracts.identity import Document, Identity, IdSource


class Outcome(StrEnum):
    APPROVED = "approved"
    REFUSED = "refused"
    REVIEW = "review"
    # Reservations: entered into the draw or quota, not yet allocated (Guangzhou's lesson:
    # the screen must never let "registered" read as "allocated").
    REGISTERED = "registered"
    # A typed identity: received, but nothing is decided until the counter has checked it.
    VERIFY_AT_COUNTER = "verify_at_counter"


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    reason_zh: str = ""
    reason_en: str = ""

    def reason(self, lang: str) -> str:
        return self.reason_zh if lang.startswith("zh") else self.reason_en


@dataclass(frozen=True, slots=True)
class EarlyRefusal:
    """Why this person cannot apply for this item here, known from the identity alone."""

    document: Document | None = None  # the item does not take this document
    rule: RuleCheck | None = None  # a condition on the person that fails

    def reason(self, lang: str) -> str:
        """The rule's own reason; a document refusal is worded by the screen."""
        assert self.rule is not None
        return self.rule.reason_zh if lang.startswith("zh") else self.rule.reason_en


def _on_identity(check: RuleCheck) -> bool:
    return not isinstance(check.condition, FieldIn)


def refusal_before_form(item: Item, identity: Identity, today: date) -> EarlyRefusal | None:
    if identity.document not in item.accepts:
        return EarlyRefusal(document=identity.document)
    for check in item.instant_rules:
        if _on_identity(check) and not _passes(check, identity, {}, today):
            return EarlyRefusal(rule=check)
    return None


def _passes(check: RuleCheck, identity: Identity, answers: Mapping[str, str], today: date) -> bool:
    cond = check.condition
    match cond:
        case MinAge(years=years):
            return age_on(identity.birth_date, today) >= years
        case MaxAge(years=years):
            return age_on(identity.birth_date, today) <= years
        case RegionPrefix(prefixes=prefixes):
            return identity.id_number.startswith(prefixes)
        case FieldIn(field=field, values=values):
            return answers.get(field, "") in values
    raise AssertionError(f"unhandled condition {cond!r}")


def decide(item: Item, identity: Identity, answers: Mapping[str, str], today: date) -> Decision:
    if identity.document not in item.accepts or (
            identity.source is IdSource.MANUAL and not item.manual_entry):
        # The identify screen lets neither through: reaching here is a bug, never an approval.
        raise ValueError(f"item {item.id!r} does not take this identity")
    for check in item.instant_rules:
        if not _passes(check, identity, answers, today):
            return Decision(Outcome.REFUSED, check.reason_zh, check.reason_en)
    if identity.source is IdSource.MANUAL:
        return Decision(Outcome.VERIFY_AT_COUNTER)
    if item.reservation:
        return Decision(Outcome.REGISTERED)
    if not item.instant_rules:
        return Decision(Outcome.REVIEW)
    return Decision(Outcome.APPROVED)
