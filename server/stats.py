"""Per-kiosk transaction counts: what ``python -m server stats`` prints."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from server.db import transactions

t = transactions


def platform_stats(engine: Engine) -> dict[str, Any]:
    """Counts per kiosk and in all. ``seq_gaps``: sequence numbers below the highest
    that have not arrived (not yet synced, or quarantined at the kiosk)."""
    with engine.connect() as conn:
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
        entry = kiosks.setdefault(kiosk_id, {"transactions": 0, "application": 0, "rating": 0})
        entry["transactions"] += count
        entry[kind] = count
    for kiosk_id, gaps in per_kiosk_seq.items():
        kiosks[kiosk_id]["seq_gaps"] = int(gaps)
    return {"transactions": total, "distinct_ids": distinct,
            "kiosks": dict(sorted(kiosks.items()))}


def format_stats(stats: dict[str, Any]) -> str:
    lines = [f"{'kiosk':<20} {'total':>8} {'apps':>8} {'ratings':>8} {'gaps':>6}"]
    for kiosk_id, entry in stats["kiosks"].items():
        lines.append(f"{kiosk_id:<20} {entry['transactions']:>8} {entry['application']:>8}"
                     f" {entry['rating']:>8} {entry['seq_gaps']:>6}")
    lines.append(f"{stats['transactions']} transactions, {stats['distinct_ids']} distinct ids")
    return "\n".join(lines)
