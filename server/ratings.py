"""The 好差评 report: ratings counted per service item, per kiosk, per bad-review reason
and by score, over a period (staff and the administration; a kiosk sees its own)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from contracts.platform_api import RatingCount, RatingReport
from server.db import cases, ratings

BAD = (1, 2)  # the scores that count as a bad review


def report(engine: Engine, since: datetime, until: datetime, kiosk_id: str | None = None,
           item_id: str | None = None, up_to_now: bool = False) -> RatingReport:
    """Ratings received in [since, until); ``up_to_now``: ``until`` is the present, and
    a rating stamped this very instant counts too."""
    query = (select(cases.c.item_id, ratings.c.kiosk_id, ratings.c.reason, ratings.c.score,
                    func.count())
             .join(cases, cases.c.reference == ratings.c.reference)
             .where(ratings.c.at >= since)
             .group_by(cases.c.item_id, ratings.c.kiosk_id, ratings.c.reason, ratings.c.score))
    if not up_to_now:
        query = query.where(ratings.c.at < until)
    if kiosk_id is not None:
        query = query.where(ratings.c.kiosk_id == kiosk_id)
    if item_id is not None:
        query = query.where(cases.c.item_id == item_id)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    groups: dict[str, dict[str, dict[int, int]]] = {
        "item": defaultdict(lambda: defaultdict(int)),
        "kiosk": defaultdict(lambda: defaultdict(int)),
        "reason": defaultdict(lambda: defaultdict(int))}
    total = 0
    for item, kiosk, reason, score, count in rows:
        total += count
        groups["item"][item][score] += count
        groups["kiosk"][kiosk][score] += count
        if score in BAD:
            groups["reason"][reason or "none"][score] += count
    return RatingReport(since=since, until=until, total=total,
                        by_item=_counts(groups["item"]), by_kiosk=_counts(groups["kiosk"]),
                        by_reason=_counts(groups["reason"]))


def _counts(group: dict[str, dict[int, int]]) -> list[RatingCount]:
    """Most ratings first; every score 1..5 named, zeros included."""
    counts = [RatingCount(key=key, count=sum(scores.values()),
                          by_score={s: scores.get(s, 0) for s in range(1, 6)},
                          bad=sum(scores.get(s, 0) for s in BAD))
              for key, scores in group.items()]
    return sorted(counts, key=lambda c: (-c.count, c.key))
