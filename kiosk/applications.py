"""Turning a finished session into durable records: the application and its rating."""

from __future__ import annotations

from enum import IntEnum

from contracts.clock import Clock
from contracts.errors import TransitionError
from contracts.wire import (
    BAD_REVIEW_REASONS,
    Applicant,
    ApplicationPayload,
    KioskDecision,
    RatingPayload,
)
from kiosk.decision import decide
from kiosk.session import Session, Step, Submission
from offline_cache.outbox import Outbox


class Rating(IntEnum):
    """好差评: the lowest two are bad reviews and need a reason."""

    VERY_SATISFIED = 5
    SATISFIED = 4
    BASICALLY_SATISFIED = 3
    DISSATISFIED = 2
    VERY_DISSATISFIED = 1

    @property
    def needs_reason(self) -> bool:
        return self <= Rating.DISSATISFIED



def submit_application(session: Session, outbox: Outbox, clock: Clock, online: bool) -> Submission:
    """Decide and write to the outbox durably (blocking: run it off the UI thread).

    The caller moves the session on with ``session.submitted(...)`` once this returns.
    """
    if session.step is not Step.CONFIRM or session.item is None or session.identity is None:
        raise TransitionError(f"nothing to submit at step {session.step}")
    decision = decide(session.item, session.identity, session.answers, clock.now().date())
    person = session.identity
    payload = ApplicationPayload(
        identity=Applicant(name=person.name, id_number=person.id_number, source=person.source,
                           address=person.address, phone=person.phone,
                           born=person.birth_date.isoformat()),
        answers=dict(session.answers),
        decision=KioskDecision(outcome=decision.outcome, reason=decision.reason_zh),
    )
    tx = outbox.enqueue("application", session.item.id, payload.model_dump(mode="json"))
    return Submission(tx.id, tx.reference, decision, offline=not online)


def submit_rating(session: Session, outbox: Outbox, rating: Rating, reason: str = "") -> None:
    if session.submission is None or session.item is None:
        raise TransitionError("no case to rate")
    if rating.needs_reason and reason not in BAD_REVIEW_REASONS:
        raise ValueError("a bad review needs one of the listed reasons")
    session.rate()
    payload = RatingPayload(case=session.submission.transaction_id, score=int(rating),
                            reason=reason)
    outbox.enqueue("rating", session.item.id, payload.model_dump(mode="json"),
                   reference=session.submission.reference)
