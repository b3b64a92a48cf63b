"""The kiosk's own state kept in its store (``kiosk_state``, store schema 8): the devices
as the status bar last saw them and the services out of service. The kiosk writes each
part when it changes; the sync process, which has no devices of its own, reads both and
sends them with its report (``contracts.wire.KioskReport``). Out-of-service survives a
restart because it lives here."""

from __future__ import annotations

import logging
import sqlite3
import threading
from datetime import datetime

from pydantic import TypeAdapter, ValidationError

from contracts.wire import DeviceReport, Outage
from offline_cache.store import StoreError

log = logging.getLogger(__package__)

_DEVICES = TypeAdapter(dict[str, DeviceReport])
_OUTAGES = TypeAdapter(list[Outage])


class KioskStateStore:
    """Every write is durable before it returns (the store runs synchronous=FULL)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._lock = threading.Lock()

    def save_devices(self, devices: dict[str, DeviceReport], now: datetime) -> None:
        self._save("devices", _DEVICES.dump_json(devices), now)

    def save_outages(self, outages: list[Outage], now: datetime) -> None:
        self._save("outages", _OUTAGES.dump_json(outages), now)

    def devices(self) -> dict[str, DeviceReport]:
        """The devices last saved; none when the part is missing or unreadable (the
        next device check writes it again)."""
        body = self._load("devices")
        try:
            return _DEVICES.validate_json(body) if body is not None else {}
        except ValidationError as exc:
            log.warning("stored device states unreadable (%d errors): starting without",
                        exc.error_count())
            return {}

    def outages(self) -> list[Outage]:
        """The outages last saved; none when unreadable (a reason a newer kiosk wrote,
        then rolled back): the kiosk's own come back at its first device check, staff's
        must be set again, and the log says so."""
        body = self._load("outages")
        try:
            return _OUTAGES.validate_json(body) if body is not None else []
        except ValidationError as exc:
            log.warning("stored outages unreadable (%d errors): starting with none;"
                        " staff's pauses must be set again", exc.error_count())
            return []

    def _save(self, part: str, body: bytes, now: datetime) -> None:
        try:
            with self._lock:
                self._db.execute(
                    "INSERT INTO kiosk_state (part, body, updated_at) VALUES (?, ?, ?)"
                    " ON CONFLICT (part) DO UPDATE SET body = excluded.body,"
                    " updated_at = excluded.updated_at",
                    (part, body.decode(), now.isoformat()))
        except sqlite3.Error as exc:  # a full disk, a locked or damaged store
            raise StoreError(f"kiosk state ({part}) not saved: {type(exc).__name__}: "
                             f"{exc}") from exc

    def _load(self, part: str) -> bytes | None:
        try:
            with self._lock:
                row = self._db.execute(
                    "SELECT body FROM kiosk_state WHERE part = ?", (part,)).fetchone()
        except sqlite3.Error as exc:
            log.warning("kiosk state (%s) unreadable: %s", part, type(exc).__name__)
            return None
        return None if row is None else str(row["body"]).encode()

