"""What ``python -m server stats`` prints: per-kiosk transaction counts (in all and
received today), and per reservation round its entries, allocations and refusals."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from server.db import entries, offline_entries, rounds, transactions

t = transactions
KINDS = ("application", "rating", "reservation", "redemption")


def platform_stats(engine: Engine, now: datetime | None = None) -> dict[str, Any]:
    """Counts per kiosk and in all. ``seq_gaps``: sequence numbers below the highest
    that have not arrived (not yet synced, or quarantined at the kiosk). ``today``:
    transactions per kiosk received since 00:00 UTC of ``now``'s day."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    midnight = datetime.combine(now.date(), time(0, 0), tzinfo=UTC)
    with engine.connect() as conn:
        today: dict[str, int] = dict(conn.execute(select(t.c.kiosk_id, func.count())
                                  .where(t.c.received_at >= midnight)
                                  .group_by(t.c.kiosk_id)).all())
        rows = conn.execute(
            select(t.c.kiosk_id, t.c.kind, func.count()).group_by(t.c.kiosk_id, t.c.kind)
        ).all()
        total = conn.execute(select(func.count()).select_from(t)).scalar_one()
        distinct = conn.execute(select(func.count(t.c.id.distinct()))).scalar_one()
        per_kiosk_seq = dict(conn.execute(
            select(t.c.kiosk_id, func.max(t.c.seq) - func.count(t.c.seq.distinct()))
            .group_by(t.c.kiosk_id)).all())
    kiosks: dict[str, dict[str, int]] = {}
    for kiosk_id, kind, count in rows:
        entry = kiosks.setdefault(kiosk_id, {"transactions": 0, **dict.fromkeys(KINDS, 0)})
        entry["transactions"] += count
        entry[kind] = count
    for kiosk_id, gaps in per_kiosk_seq.items():
        kiosks[kiosk_id]["seq_gaps"] = int(gaps)
    return {"transactions": total, "distinct_ids": distinct,
            "kiosks": dict(sorted(kiosks.items())),
            "today": {"since": midnight.isoformat(),
                      "kiosks": {k: int(n) for k, n in sorted(today.items())}},
            "rounds": round_stats(engine)}


def round_stats(engine: Engine) -> dict[str, dict[str, Any]]:
    """Per round: ``requests`` (every entry request, refusals included), ``entries``
    (those that made an entry: entered, won, or since replaced), ``updates`` (changed
    an entry's choices), ``allocations`` (places given: first come at entry, lottery by
    draw), ``refusals`` by reason, and the requests made offline."""
    e = entries
    with engine.connect() as conn:
        ids = list(conn.execute(select(rounds.c.id).order_by(rounds.c.created_at)).scalars())
        counts = conn.execute(select(e.c.round_id, e.c.status, e.c.reason, func.count())
                              .group_by(e.c.round_id, e.c.status, e.c.reason)).all()
        won: dict[str, int] = dict(conn.execute(select(e.c.round_id, func.count())
                                .where(e.c.won_at.is_not(None)).group_by(e.c.round_id)).all())
        offline = conn.execute(
            select(e.c.round_id, e.c.status, func.count())
            .join(offline_entries, offline_entries.c.request_id == e.c.request_id)
            .group_by(e.c.round_id, e.c.status)).all()
    result: dict[str, dict[str, Any]] = {
        r: {"requests": 0, "entries": 0, "updates": 0, "allocations": int(won.get(r, 0)),
            "refused": 0, "refusals": {}, "offline": {"requests": 0, "refused": 0}}
        for r in ids}
    for round_id, status, reason, count in counts:
        one = result[round_id]  # entries.round_id references rounds.id
        one["requests"] += count
        if status == "refused":
            one["refused"] += count
            one["refusals"][reason] = one["refusals"].get(reason, 0) + count
        elif status == "updated":
            one["updates"] += count
        else:
            one["entries"] += count
    for round_id, status, count in offline:
        result[round_id]["offline"]["requests"] += count
        if status == "refused":
            result[round_id]["offline"]["refused"] += count
    return result


def format_stats(stats: dict[str, Any]) -> str:
    lines = [f"{'kiosk':<20} {'total':>8} {'apps':>8} {'ratings':>8} {'gaps':>6}"]
    for kiosk_id, entry in stats["kiosks"].items():
        lines.append(f"{kiosk_id:<20} {entry['transactions']:>8} {entry['application']:>8}"
                     f" {entry['rating']:>8} {entry['seq_gaps']:>6}")
    lines.append(f"{stats['transactions']} transactions, {stats['distinct_ids']} distinct ids")
    today = stats["today"]["kiosks"]
    lines.append(f"today: {sum(today.values())} transactions from {len(today)} kiosks")
    if stats["rounds"]:
        lines.append(f"{'round':<28} {'entries':>8} {'allocated':>10} {'refused':>8}"
                     f" {'offline':>8}  refusals")
    for round_id, one in stats["rounds"].items():
        reasons = ", ".join(f"{r} {n}" for r, n in sorted(one["refusals"].items()))
        lines.append(f"{round_id:<28} {one['entries']:>8} {one['allocations']:>10}"
                     f" {one['refused']:>8} {one['offline']['requests']:>8}  {reasons}")
    return "\n".join(lines)
