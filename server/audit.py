"""The access audit: a row for every lookup, redemption and rate-limited request.

Invariant: a row names the credential (its tag), the kind, a reference or "-", the
pseudonym of the person asked about at most (never a document number), the outcome and
the platform's time. Anomalies are the rate-limited rows grouped by credential and
kind, so they survive a restart and agree with the trail.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from contracts.platform_api import Anomaly, AuditEntry
from server.db import access_audit, aware

RATE_LIMITED = "rate_limited"


def record(engine: Engine, at: datetime, who: str, kind: str, outcome: str,
           reference: str = "-", person: str = "") -> None:
    with engine.begin() as conn:
        conn.execute(access_audit.insert().values(
            at=at, who=who[:80], kind=kind[:16], reference=(reference or "-")[:64],
            person=person[:64], outcome=outcome[:40]))


def anomalies(engine: Engine, since: datetime) -> list[Anomaly]:
    """Credentials refused by a rate limit since ``since``, the most recent first."""
    last = func.max(access_audit.c.at)
    query = (select(access_audit.c.who, access_audit.c.kind, func.count().label("n"),
                    func.min(access_audit.c.at).label("first"), last.label("last"))
             .where(access_audit.c.outcome == RATE_LIMITED, access_audit.c.at >= since)
             .group_by(access_audit.c.who, access_audit.c.kind)
             .order_by(last.desc(), access_audit.c.who, access_audit.c.kind))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [Anomaly(credential=r.who, kind=r.kind, count=r.n, first_at=aware(r.first),
                    last_at=aware(r.last)) for r in rows]


def trail(engine: Engine, *, credential: str | None = None, kind: str | None = None,
          reference: str | None = None, limit: int = 100) -> list[AuditEntry]:
    """The newest audit rows, filtered."""
    query = select(access_audit)
    if credential is not None:
        query = query.where(access_audit.c.who == credential)
    if kind is not None:
        query = query.where(access_audit.c.kind == kind)
    if reference is not None:
        query = query.where(access_audit.c.reference == reference)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(access_audit.c.pk.desc()).limit(limit)).all()
    return [AuditEntry(at=aware(r.at), credential=r.who, kind=r.kind, reference=r.reference,
                       outcome=r.outcome) for r in rows]
