"""Cases and their timeline (progress lookup, like parcel tracking), and ratings.

A case is born when a kiosk's application transaction arrives: "received",
then the kiosk's instant decision if it made one (approved, or refused with its
reason). Staff move it on: reviewing -> approved or refused (a reason is
required) -> ready for pickup (a signed pickup code is issued) -> collected,
which only a redemption of that code sets.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Connection, Engine

from contracts.platform_api import CaseEvent, CasePage, CaseView
from contracts.wire import BAD_REVIEW_REASONS, ApplicationPayload, RatingPayload, Transaction
from server.db import aware, case_events, cases, pickups, ratings

Status = Literal["received", "reviewing", "approved", "refused", "ready_for_pickup",
                 "collected"]
# What staff may move a case to from each status; "collected" comes from a redemption.
NEXT: dict[str, frozenset[str]] = {
    "received": frozenset({"reviewing", "approved", "refused"}),
    "reviewing": frozenset({"approved", "refused"}),
    "approved": frozenset({"ready_for_pickup"}),
    "ready_for_pickup": frozenset(),
    "refused": frozenset(),
    "collected": frozenset(),
}
PICKUP_DAYS = 14  # a case's pickup code is valid this long after it is issued


class CaseError(ValueError):
    """A status change staff may not make; the message says why."""


def add_event(conn: Connection, reference: str, status: str, reason: str, by: str,
              now: datetime) -> None:
    conn.execute(case_events.insert().values(reference=reference, status=status, reason=reason,
                                             by=by, at=now))
    conn.execute(update(cases).where(cases.c.reference == reference).values(status=status))


def document_type_of(number: str) -> str:
    """The document a kiosk identity carries: ID card, HMT permit or foreigner's card."""
    if len(number) == 18:
        return "hmt_residence_permit" if number[:2] in ("81", "82", "83") else "resident_id"
    return "foreign_permanent"


def record_application(conn: Connection, tx: Transaction, payload: ApplicationPayload,
                       person: str, now: datetime) -> None:
    """A new case from an application transaction (inside the ingest transaction)."""
    by = f"kiosk:{tx.kiosk_id}"
    conn.execute(cases.insert().values(reference=tx.reference, transaction_id=tx.id,
                                       kiosk_id=tx.kiosk_id, item_id=tx.item_id, person=person,
                                       status="received", received_at=now))
    decision = payload.decision
    # A typed identity arrives as received, flagged for the counter's check of the person.
    note = "verify_identity_at_counter" if decision.outcome == "verify_at_counter" else ""
    add_event(conn, tx.reference, "received", note, by, now)
    if decision.outcome == "approved":
        add_event(conn, tx.reference, "approved", "", by, now)
    elif decision.outcome == "refused":
        add_event(conn, tx.reference, "refused", decision.reason[:500], by, now)


def rating_problem(conn: Connection, tx: Transaction, payload: RatingPayload,
                   now: datetime) -> str | None:
    """Record a rating; or say why it cannot be (the one-per-case rule among them).
    The wire model has already checked the score is a whole number from 1 to 5."""
    score, reason, case_id = payload.score, payload.reason, payload.case
    if score <= 2 and reason not in BAD_REVIEW_REASONS:
        return "payload.reason: a bad review (1 or 2) needs one of the listed reasons"
    case = conn.execute(select(cases.c.reference, cases.c.kiosk_id)
                        .where(cases.c.transaction_id == case_id)).first()
    if case is None or case.kiosk_id != tx.kiosk_id:
        return f"payload.case: no case {case_id!r} from this kiosk"
    if conn.execute(select(ratings.c.at).where(ratings.c.reference == case.reference)).first():
        return f"case {case.reference} is already rated: one rating per case"
    conn.execute(ratings.insert().values(reference=case.reference, transaction_id=tx.id,
                                         kiosk_id=tx.kiosk_id, score=score, reason=reason,
                                         at=now))
    return None


def view(conn: Connection, reference: str) -> CaseView | None:
    case = conn.execute(select(cases).where(cases.c.reference == reference)).first()
    if case is None:
        return None
    events = conn.execute(select(case_events).where(case_events.c.reference == reference)
                          .order_by(case_events.c.pk)).all()
    rated = conn.execute(select(ratings.c.at).where(ratings.c.reference == reference)
                         ).first() is not None
    code = ""
    if case.status == "ready_for_pickup":
        code = conn.execute(select(pickups.c.code).where(pickups.c.ref == reference)
                            ).scalar() or ""
    return CaseView(reference=reference, item_id=case.item_id, status=case.status,
                    received_at=aware(case.received_at),
                    timeline=[CaseEvent(status=e.status, reason=e.reason, at=aware(e.at))
                              for e in events], rated=rated, pickup_code=code)


def lookup(engine: Engine, kiosk_id: str | None, reference: str | None,
           person: str | None) -> list[CaseView]:
    """Cases a caller may see. A kiosk sees its own cases by reference; with the
    citizen's document it sees that person's cases from any kiosk, but the pickup code
    only of the cases it made itself: a document number proves nothing, so another
    kiosk's case answers with its status and timeline alone (docs/security/access.md).
    Staff (``kiosk_id`` None) see any case, codes included."""
    query = select(cases.c.reference, cases.c.kiosk_id)
    if reference is not None:
        query = query.where(cases.c.reference == reference)
    if person is not None:
        query = query.where(cases.c.person == person)
    elif kiosk_id is not None:
        query = query.where(cases.c.kiosk_id == kiosk_id)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(cases.c.received_at).limit(50)).all()
        views = [(r.kiosk_id, v) for r in rows if (v := view(conn, r.reference)) is not None]
    return [v if kiosk_id is None or made_by == kiosk_id
            else v.model_copy(update={"pickup_code": ""}) for made_by, v in views]


def set_status(engine: Engine, reference: str, status: str, reason: str, by: str,
               now: datetime, pickup: dict[str, str] | None = None,
               issue_code: Any = None) -> CaseView:
    """Staff move a case on. ``issue_code(conn, ref, expires)`` signs the pickup code
    when the case becomes ready for pickup."""
    with engine.begin() as conn:
        current = conn.execute(select(cases.c.status).where(cases.c.reference == reference)
                               .with_for_update()).scalar()
        if current is None:
            raise LookupError(f"no case {reference}")
        if status not in NEXT[current]:
            allowed = ", ".join(sorted(NEXT[current])) or "nothing (final)"
            raise CaseError(f"a {current} case can move to {allowed}, not {status}")
        if status == "refused" and not reason.strip():
            raise CaseError("a refusal needs a reason the citizen can act on")
        add_event(conn, reference, status, reason.strip()[:500], by, now)
        if status == "ready_for_pickup":
            issue_code(conn, reference, now + timedelta(days=PICKUP_DAYS))
        result = view(conn, reference)
    assert result is not None
    return result


class CursorError(ValueError):
    """A paging cursor this platform did not make."""


def _cursor(received_at: datetime, reference: str) -> str:
    raw = json.dumps([aware(received_at).isoformat(), reference]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _position(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, reference = json.loads(raw)
        return aware(datetime.fromisoformat(at)).astimezone(UTC), str(reference)
    except (ValueError, TypeError) as exc:  # binascii and JSON errors are ValueErrors
        raise CursorError("not a cursor from this list: start again without one") from exc


def page(engine: Engine, *, status: str | None = None, item_id: str | None = None,
         kiosk_id: str | None = None, since: datetime | None = None,
         until: datetime | None = None, limit: int = 50, cursor: str | None = None
         ) -> CasePage:
    """Staff's case list, newest first, ``limit`` at a time. Keyset paging on
    (received_at, reference): a case arriving between pages neither repeats nor hides one."""
    query = select(cases.c.reference, cases.c.received_at)
    if status is not None:
        query = query.where(cases.c.status == status)
    if item_id is not None:
        query = query.where(cases.c.item_id == item_id)
    if kiosk_id is not None:
        query = query.where(cases.c.kiosk_id == kiosk_id)
    if since is not None:
        query = query.where(cases.c.received_at >= since)
    if until is not None:
        query = query.where(cases.c.received_at < until)
    if cursor is not None:
        at, reference = _position(cursor)
        query = query.where(or_(cases.c.received_at < at,
                                and_(cases.c.received_at == at, cases.c.reference < reference)))
    query = query.order_by(cases.c.received_at.desc(), cases.c.reference.desc())
    with engine.connect() as conn:
        rows = conn.execute(query.limit(limit + 1)).all()
        views = [v for r in rows[:limit] if (v := view(conn, r.reference)) is not None]
    more = len(rows) > limit
    last = rows[limit - 1] if more else None
    return CasePage(cases=views,
                    next_cursor=_cursor(last.received_at, last.reference) if last else None)
