"""The kiosk as wired from its config reports to the fleet view at each sync pass: its
queue, the devices and outages its store keeps, its software version."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import httpx

from contracts.clock import SystemClock
from contracts.wire import DeviceReport, Outage
from offline_cache.kiosk_state import KioskStateStore
from offline_cache.store import open_store
from server.embedded import EmbeddedPlatform
from server.fleet import FLEET_PATH
from tests.support.platform_access import bearer, enrol_kiosk
from wiring.config import DEMO_CONFIG, load_config
from wiring.sync import connect_platform, store_from_config


def test_the_wired_sync_reports_what_the_kiosk_keeps(
        tmp_path: Path, platform_server: EmbeddedPlatform) -> None:
    config = load_config(DEMO_CONFIG, data_dir=tmp_path / "data",
                         platform_url=platform_server.url)
    enrol_kiosk(platform_server, config)
    clock = SystemClock()
    store = store_from_config(config, clock, "test")
    # What the kiosk process writes (another connection, as the kiosk's own is).
    state = KioskStateStore(open_store(config.data_dir / "kiosk.db"))
    state.save_devices({"printer": DeviceReport(state="fault", detail="no_paper")},
                       clock.now())
    state.save_outages([Outage(service="*", reason="no_paper", by="auto",
                               since=clock.now())], clock.now())
    store.outbox.enqueue("application", "marriage-record-proof", {"x": 1})
    connection = connect_platform(config, clock, store)
    try:
        report = connection.sync.sync_once()
    finally:
        connection.close()
        store.close()
    assert report.online and report.reported, report
    staff = bearer(platform_server.enrol("staff", "wang"))
    kiosks = {k["kiosk_id"]: k for k in httpx.get(
        f"{platform_server.url}{FLEET_PATH}", headers=staff).json()["kiosks"]}
    seen = kiosks[config.kiosk.id]
    assert seen["stale"] is False and seen["out_of_service"] is True
    assert seen["drift"] == "ok"  # both clocks are this machine's
    assert seen["report"]["devices"] == {"printer": {"state": "fault", "detail": "no_paper"}}
    assert seen["report"]["queue_length"] == 0  # the pass settled the item before
    assert seen["report"]["software"] == metadata.version("gov-kiosk")
