"""The kiosk's own state (devices, outages) survives a reopen of the store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from contracts.wire import DeviceReport, Outage
from offline_cache.kiosk_state import KioskStateStore
from offline_cache.store import open_store

NOW = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


def test_empty_store_reports_nothing(tmp_path: Path) -> None:
    state = KioskStateStore(open_store(tmp_path / "kiosk.db"))
    assert state.devices() == {}
    assert state.outages() == []


def test_devices_and_outages_survive_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    state = KioskStateStore(open_store(path))
    state.save_devices({"printer": DeviceReport(state="fault", detail="paper_out"),
                        "idcard": DeviceReport(state="ok")}, NOW)
    outage = Outage(service="*", reason="maintenance", by="staff", since=NOW,
                    note="glass cleaned")
    state.save_outages([outage], NOW)
    state.save_devices({"printer": DeviceReport(state="ok")}, NOW)

    again = KioskStateStore(open_store(path))
    assert again.devices() == {"printer": DeviceReport(state="ok")}
    assert again.outages() == [outage]
