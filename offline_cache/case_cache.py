"""Case timelines as the platform last told this kiosk, for progress lookup offline.

A case view holds no personal data (reference, item, statuses, reasons, times); its
pickup code is dropped before it is stored (a bearer token), and where and when to
collect are kept in its place. Entries are replaced by every newer answer.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime

from contracts.clock import Clock
from contracts.platform_api import CaseView


@dataclass(frozen=True, slots=True)
class CachedCase:
    view: CaseView  # pickup_code empty
    pickup_site: str
    pickup_window: str
    fetched_at: datetime  # the kiosk's clock when the platform said so


class CaseCache:
    def __init__(self, db: sqlite3.Connection, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._lock = threading.Lock()

    def put(self, view: CaseView, pickup_site: str = "", pickup_window: str = "") -> None:
        body = {"view": view.model_copy(update={"pickup_code": ""}).model_dump(mode="json"),
                "site": pickup_site, "window": pickup_window}
        with self._lock:
            self._db.execute(
                "INSERT INTO case_views (reference, body, fetched_at) VALUES (?, ?, ?)"
                " ON CONFLICT(reference) DO UPDATE SET body = excluded.body,"
                " fetched_at = excluded.fetched_at",
                (view.reference, json.dumps(body, ensure_ascii=False),
                 self._clock.now().isoformat(timespec="seconds")))

    def get(self, reference: str) -> CachedCase | None:
        with self._lock:
            row = self._db.execute("SELECT body, fetched_at FROM case_views WHERE reference = ?",
                                   (reference,)).fetchone()
        if row is None:
            return None
        body = json.loads(row["body"])
        return CachedCase(CaseView.model_validate(body["view"]), body["site"], body["window"],
                          datetime.fromisoformat(row["fetched_at"]))
