"""Staff's way out of a damaged store: every queued record that can still be read, written
to a file the platform's batch format understands, and what could not be read by reference.

The export holds personal data (it is what the platform has not yet received): it is
written 0600, never to the terminal or the log; what is said about it is counts and
references. Rows are read one at a time, so a damaged page loses the rows on it, not
the export.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from offline_cache.outbox import UNSENT, State
from offline_cache.sealing import DataCipher, SealError

# Not yet accepted by the platform, or refused by it: what staff may need to carry over.
EXPORTED = (*UNSENT, State.QUARANTINED)


@dataclass
class ExportReport:
    exported: int = 0
    unreadable: list[str] = field(default_factory=list)  # references (nothing personal)
    damaged_rows: int = 0  # rows SQLite could not read at all


def export_outbox(db: sqlite3.Connection, cipher: DataCipher | None, out: Path) -> ExportReport:
    """Write each readable unsent or refused record to ``out`` as one JSON line (the wire's
    transaction). ``cipher`` None: the key is lost; only references are reported."""
    report = ExportReport()
    ids = _row_ids(db, report)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode through O_CREAT
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        for rowid in ids:
            try:
                row = db.execute("SELECT * FROM outbox WHERE rowid = ?", (rowid,)).fetchone()
            except sqlite3.DatabaseError:
                report.damaged_rows += 1
                continue
            if row is None or row["state"] not in EXPORTED:
                continue
            try:
                if cipher is None:
                    raise SealError("no key")
                payload = json.loads(cipher.open(row["sealed"], row["id"].encode()))
            except (SealError, ValueError):
                report.unreadable.append(row["reference"])
                continue
            fh.write(json.dumps({
                "id": row["id"], "kiosk_id": row["kiosk_id"], "seq": row["seq"],
                "kind": row["kind"], "item_id": row["item_id"], "reference": row["reference"],
                "created_at": row["created_at"], "state": row["state"], "payload": payload,
            }, ensure_ascii=False) + "\n")
            report.exported += 1
    return report


def _row_ids(db: sqlite3.Connection, report: ExportReport) -> list[int]:
    """Every row's id; on a damaged table, the ids before the damage and after it, as far
    as SQLite can walk (each a separate read)."""
    try:
        return [r[0] for r in db.execute("SELECT rowid FROM outbox ORDER BY rowid")]
    except sqlite3.DatabaseError:
        report.damaged_rows += 1
    try:
        top = db.execute("SELECT MAX(rowid) FROM outbox").fetchone()[0] or 0
    except sqlite3.DatabaseError:
        top = db.execute("SELECT value FROM counters WHERE name = 'seq'").fetchone()[0]
    return list(range(1, int(top) + 1))
