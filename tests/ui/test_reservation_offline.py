"""A reservation while the platform is unreachable: queued in the outbox as its own kind,
durable before the screen answers, said as "registered offline, to be confirmed" on
screen and slip (never a place), shown under "my reservation" as this kiosk's record,
and still there after the kiosk is stopped before any sync."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from contracts.clock import FakeClock
from contracts.wire import ReservationPayload
from kiosk.card_identity import identity_from_card
from offline_cache.kiosk_store import STORE_FILE
from screens.app import KioskApp
from server.db import entries
from server.embedded import EmbeddedPlatform
from server.rounds import create_round
from tests.support.kiosk_driver import (
    mock_printer,
    screen_text,
    slip_text,
    until,
)
from tests.support.loopback import free_port
from tests.support.platform_access import enrol_kiosk
from tests.support.reservations import make_round, my_reservation, reserve, take_card_and_go_home
from wiring.assembly import assemble
from wiring.config import DEMO_CONFIG, load_config


def _queued_rows(data_dir: Path) -> int:
    """What another process would find in the kiosk's store file (committed rows only)."""
    db = sqlite3.connect(f"file:{data_dir / STORE_FILE}?mode=ro", uri=True)
    try:
        return int(db.execute("SELECT COUNT(*) FROM outbox WHERE kind = 'reservation'"
                              ).fetchone()[0])
    finally:
        db.close()


async def test_offline_entry_is_queued_durably_and_promises_no_place(tmp_path: Path) -> None:
    port = free_port()
    config = load_config(DEMO_CONFIG, data_dir=tmp_path / "data",
                         platform_url=f"http://127.0.0.1:{port}")
    config.platform.timeout_s = 2
    platform = EmbeddedPlatform(f"sqlite:///{tmp_path / 'platform.db'}", tmp_path / "sign.key",
                                port=port)
    enrol_kiosk(platform, config)
    platform.start()
    config_round = make_round("fc-off", "first_come")
    create_round(platform.engine, config_round, config_round.opens_at)
    assembly = assemble(config, FakeClock(datetime.now(UTC)))  # no drift to speak of
    try:
        assembly.api.sync_once()  # the kiosk learns the rounds and pharmacies...
        assembly.api.apply_reference()
        assert assembly.api.round_of("fc-off") is not None
        platform.stop()  # ...and then the platform goes away
        app = KioskApp(assembly.api, sync_in_background=False)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await reserve(pilot, assembly, "fc-off", 0, "思明区",
                                   "鹭岛大药房（中山路店）", "09:00-11:30", "身体健康")
            result = screen.result
            assert result.kind == "offline" and not result.pickup_code
            # Durable before the screen answered: another process would find the row.
            assert _queued_rows(config.data_dir) == 1
            text = screen_text(app)
            assert "离线登记，待确认" in text and "尚未分配任何名额" in text
            assert "已分配" not in text.replace("尚未分配", "")
            printer = mock_printer(assembly)
            await until(lambda: len(printer.jobs()) == 1)
            slip = slip_text(printer.jobs()[0].read_bytes())
            assert "离线受理 待确认" in slip and result.reference in slip
            assert "尚未分配任何名额" in slip

            queued = assembly.store.outbox.unsent("reservation")
            assert len(queued) == 1
            payload = ReservationPayload.model_validate(queued[0].payload)
            assert payload.entry.round_id == "fc-off" and payload.entry.slot == "sm-01/am"
            assert payload.entry.health == "well"
            assert payload.made_at == assembly.api.clock.now()

            # My reservation, offline: it says it cannot check, and shows this kiosk's record.
            await take_card_and_go_home(pilot, assembly)
            await my_reservation(pilot, assembly, 0)
            assert "无法查询您的登记" in screen_text(app)
            assert f"{result.reference}：本机离线登记，待确认" in screen_text(app)
    finally:
        assembly.close()  # stopped before any sync reached the platform

    # A new kiosk process on the same data folder still holds the entry, unchanged...
    again = assemble(config, FakeClock(datetime.now(UTC)))
    platform = EmbeddedPlatform(f"sqlite:///{tmp_path / 'platform.db'}", tmp_path / "sign.key",
                                port=port)
    try:
        queued_again = again.store.outbox.unsent("reservation")
        assert [tx.payload for tx in queued_again] == [queued[0].payload]
        # ...and when the platform is back, it is delivered once, exactly once...
        platform.start()
        assert again.api.sync_once().online
        assert again.api.sync_once().online  # a second pass has nothing of it to send
        assert again.store.outbox.unsent("reservation") == []
        with platform.engine.connect() as conn:
            rows = conn.execute(select(func.count()).select_from(entries)
                                .where(entries.c.round_id == "fc-off")).scalar()
        assert rows == 1
        # ...and its outcome is what "my reservation" shows: a place, entered offline.
        reader = again.api.field_test.reader if again.api.field_test else None
        assert reader is not None
        mine = again.api.my_reservations(identity_from_card(reader.deck[0].holder))
        assert mine.online and mine.queued == []
        assert [(e.round_id, e.status, e.made_offline) for e in mine.entries] == [
            ("fc-off", "won", True)]
    finally:
        again.close()
        platform.stop()
