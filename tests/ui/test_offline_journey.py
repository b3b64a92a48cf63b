"""Offline at the counter, refused later: the citizen is served, staff see the refusal.

A real platform on loopback that is not listening yet; the kiosk's background
sync (loop, backoff, connectivity monitor) runs as in production.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from contracts.clock import FakeClock
from screens.app import KioskApp
from screens.done import DoneScreen
from screens.staff import StaffScreen
from server.embedded import EmbeddedPlatform
from server.ingest import ingest_batch
from tests.support.kiosk_driver import (
    apply_to_done,
    mock_printer,
    on_screen,
    screen_text,
    slip_text,
    staff_sign_in,
    tap,
    until,
)
from tests.support.loopback import free_port
from tests.support.platform_access import enrol_kiosk, wire_transaction
from tests.support.platform_api import person_key
from wiring.assembly import assemble
from wiring.config import DEMO_CONFIG, load_config


async def test_offline_slip_then_refusal_shows_to_staff_by_reference(tmp_path: Path) -> None:
    port = free_port()
    config = load_config(DEMO_CONFIG, data_dir=tmp_path / "data",
                         platform_url=f"http://127.0.0.1:{port}")
    config.platform.probe_interval_s = 0.1
    config.platform.backoff_base_s = 30  # only the connectivity monitor can end this wait
    config.platform.timeout_s = 2
    platform = EmbeddedPlatform(f"sqlite:///{tmp_path / 'platform.db'}", tmp_path / "sign.key",
                                port=port)
    enrol_kiosk(platform, config)
    assembly = assemble(config, FakeClock())
    app = KioskApp(assembly.api)
    try:
        async with app.run_test(size=(120, 48)) as pilot:
            await until(lambda: "✖ 离线" in screen_text(app))
            await apply_to_done(app, pilot, "marriage-record-proof", 0)
            assert isinstance(app.screen, DoneScreen)
            submission = app.session.submission
            assert submission is not None
            reference = submission.reference
            assert "网络暂时中断" in screen_text(app)
            printer = mock_printer(assembly)
            await until(lambda: len(printer.jobs()) == 1)
            slip = slip_text(printer.jobs()[0].read_bytes())
            assert "离线受理 待确认" in slip and reference in slip

            # This kiosk id's sequence 1 already reached the platform from an earlier
            # install (a wiped kiosk re-using its id): the platform will refuse ours.
            ingest_batch(platform.engine, [wire_transaction(config.kiosk.id, 1)], datetime.now(UTC),
                         config.kiosk.id, person_key(platform))
            platform.start()
            await until(lambda: assembly.store.outbox.summary().quarantined == 1)
            await until(lambda: "● 已联网" in screen_text(app))

            await staff_sign_in(pilot)
            await on_screen(pilot, StaffScreen)
            await until(lambda: f"✖ {reference}" in screen_text(app))
            text = screen_text(app)
            assert "平台拒收 1 条" in text
            assert "already sent sequence 1 under another id" in text
            assert "婚姻登记记录证明" in text
            await tap(pilot, "#sync-now")
            await until(lambda: "本机时钟比平台" in screen_text(app))
    finally:
        assembly.close()
        platform.stop()
    loop = assembly.api.sync_loop
    assert loop is not None and loop.stopped and loop.join(0)


async def test_a_kiosk_clock_far_off_the_platform_warns(tmp_path: Path,
                                                        platform_server: EmbeddedPlatform) -> None:
    # A platform of its own, on the real clock (a demo's embedded one keeps the kiosk's).
    config = load_config(DEMO_CONFIG, data_dir=tmp_path / "data",
                         platform_url=platform_server.url)
    enrol_kiosk(platform_server, config)
    ahead = FakeClock(datetime.now(UTC) + timedelta(minutes=10))
    assembly = assemble(config, ahead)
    app = KioskApp(assembly.api)
    try:
        async with app.run_test(size=(120, 48)) as pilot:
            await until(lambda: "▲ 时钟需校准" in screen_text(app))
            await staff_sign_in(pilot)
            # The fake clock stands still while the platform's advances, so the
            # offset it measures is ten minutes less however long the start took.
            await until(lambda: "▲ 本机时钟比平台快 " in screen_text(app))
            offset = assembly.store.outbox.summary().clock_offset_s
            assert offset is not None and 540 < offset <= 600
            assert re.search(r"▲ 本机时钟比平台快 (9|10) 分 \d+ 秒", screen_text(app))
            assert "超过允许的 120 秒" in screen_text(app)
    finally:
        assembly.close()


async def test_a_kiosk_clock_near_the_platform_does_not_warn(
        tmp_path: Path, platform_server: EmbeddedPlatform) -> None:
    config = load_config(DEMO_CONFIG, data_dir=tmp_path / "data",
                         platform_url=platform_server.url)
    enrol_kiosk(platform_server, config)
    assembly = assemble(config, FakeClock(datetime.now(UTC)))
    app = KioskApp(assembly.api)
    try:
        async with app.run_test(size=(120, 48)) as pilot:
            await until(lambda: assembly.store.outbox.summary().clock_offset_s is not None)
            await until(lambda: "● 已联网" in screen_text(app))
            assert "时钟需校准" not in screen_text(app)
            await staff_sign_in(pilot)
            await until(lambda: "（正常）" in screen_text(app))
    finally:
        assembly.close()
