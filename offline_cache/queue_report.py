"""What ``main.py queue`` shows staff: where every item stands, read without the lock."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict
from datetime import datetime
from typing import Any

from offline_cache.outbox import QuarantinedItem, QueueSummary, quarantined_items, summarize


def queue_report(db: sqlite3.Connection, now: datetime, max_drift_s: float) -> dict[str, Any]:
    summary = summarize(db)
    oldest_age = None
    if summary.oldest_pending is not None:
        oldest_age = round((now - datetime.fromisoformat(summary.oldest_pending))
                           .total_seconds())
    return {
        **summary.to_json(),
        "oldest_pending_age_s": oldest_age,
        "clock_drift_warning": drift_exceeds(summary, max_drift_s),
        "quarantined_items": [asdict(item) for item in quarantined_items(db)],
    }


def drift_exceeds(summary: QueueSummary, max_drift_s: float) -> bool:
    return summary.clock_offset_s is not None and abs(summary.clock_offset_s) > max_drift_s


def describe_offset(offset_s: float) -> str:
    """'7 min 3 s ahead of the platform' (staff English; the screens say it through i18n)."""
    ahead = "ahead of" if offset_s > 0 else "behind"
    seconds = round(abs(offset_s))
    minutes, seconds = divmod(seconds, 60)
    amount = f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
    return f"{amount} {ahead} the platform"


def format_queue(report: dict[str, Any]) -> str:
    lines = [
        f"to upload:        {report['pending']}",
        f"oldest waiting:   {_age(report['oldest_pending_age_s'])}",
        f"last success:     {report['last_success'] or 'never'}",
        f"last error:       {report['last_error'] or '-'}",
        f"accepted:         {report['acknowledged']} (personal data held until retention ends)",
        f"purged:           {report['purged']}",
        f"quarantined:      {report['quarantined']}",
    ]
    if report["clock_offset_s"] is not None:
        warning = ("  ** WARNING: beyond the allowed drift **"
                   if report["clock_drift_warning"] else "")
        lines.append(f"kiosk clock:      {describe_offset(report['clock_offset_s'])}"
                     f" (checked {report['clock_checked_at']}){warning}")
    for raw in report["quarantined_items"]:
        item = QuarantinedItem(**raw)
        lines.append(f"  ✖ {item.reference}  {item.kind} {item.item_id}  made {item.created_at}")
        lines.append(f"      refused: {item.reason}")
    return "\n".join(lines)


def _age(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    hours, rest = divmod(max(seconds, 0), 3600)
    return f"{hours} h {rest // 60} min" if hours else f"{rest // 60} min {rest % 60} s"
