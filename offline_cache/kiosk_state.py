"""The kiosk's own state kept in its store (``kiosk_state``, store schema 8): the devices
as the status bar last saw them and the services out of service. The kiosk writes each
part when it changes; the sync process, which has no devices of its own, reads both and
sends them with its report (``contracts.wire.KioskReport``). Out-of-service survives a
restart because it lives here."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime

from pydantic import TypeAdapter

from contracts.wire import DeviceReport, Outage

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
        body = self._load("devices")
        return _DEVICES.validate_json(body) if body is not None else {}

    def outages(self) -> list[Outage]:
        body = self._load("outages")
        return _OUTAGES.validate_json(body) if body is not None else []

    def _save(self, part: str, body: bytes, now: datetime) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO kiosk_state (part, body, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (part) DO UPDATE SET body = excluded.body,"
                " updated_at = excluded.updated_at",
                (part, body.decode(), now.isoformat()))

    def _load(self, part: str) -> bytes | None:
        with self._lock:
            row = self._db.execute(
                "SELECT body FROM kiosk_state WHERE part = ?", (part,)).fetchone()
        return None if row is None else str(row["body"]).encode()

