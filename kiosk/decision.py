"""Instant decisions: the catalog's rules applied to one application.

An item without rules goes to review; a failed condition refuses with that
condition's own reason, so the citizen always learns why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from contracts.catalog import FieldIn, Item, MaxAge, MinAge, RegionPrefix, RuleCheck
from contracts.clock import age_on
from contracts.identity import Identity


class Outcome(StrEnum):
    APPROVED = "approved"
    REFUSED = "refused"
    REVIEW = "review"
    # Reservations: entered into the draw or quota, not yet allocated (Guangzhou's lesson:
    # the screen must never let "registered" read as "allocated").
    REGISTERED = "registered"


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    reason_zh: str = ""
    reason_en: str = ""

    def reason(self, lang: str) -> str:
        return self.reason_zh if lang.startswith("zh") else self.reason_en


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
    for check in item.instant_rules:
        if not _passes(check, identity, answers, today):
            return Decision(Outcome.REFUSED, check.reason_zh, check.reason_en)
    if item.reservation:
        return Decision(Outcome.REGISTERED)
    if not item.instant_rules:
        return Decision(Outcome.REVIEW)
    return Decision(Outcome.APPROVED)
