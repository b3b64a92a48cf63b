"""The technician's log after a full day's worth of journeys: events and counts, and not
one demo person's name, ID number, phone or address."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Input

from devices.idcard import load_deck
from screens.app import KioskApp
from screens.home import HomeScreen
from tests.support.cabinet import an_open_door, load, mock_cabinet, open_cabinet_screen
from tests.support.kiosk_driver import (
    apply_to_done,
    mock_reader,
    on_screen,
    screen_text,
    staff_sign_in,
    tap,
    until,
)
from tests.support.reservations import my_reservation, reserve, take_card_and_go_home
from wiring.assembly import Assembly
from wiring.config import DEMO_DECK, KioskConfig
from wiring.logs import MaskNumbers, setup_logging, stop_logging

PHONE = "13812341234"  # what apply_to_done types into phone fields


def personal_values() -> set[str]:
    values = {PHONE}
    for card in load_deck(DEMO_DECK):
        h = card.holder
        values |= {h.name, h.english_name, h.id_number, h.address, h.appended_address,
                   h.pass_number}
    return {v for v in values if v}


@pytest.fixture
def log_file(config: KioskConfig) -> Iterator[Path]:
    path = setup_logging(config.data_dir)
    yield path
    stop_logging()


async def test_a_journey_leaves_events_and_no_personal_data(log_file: Path,
                                                            assembly: Assembly) -> None:
    app = KioskApp(assembly.api)  # background sync on: the embedded platform answers
    async with app.run_test(size=(120, 40)) as pilot:
        # A resident card, an 18-year-old's, a residence permit, both foreigner's cards.
        for card in (0, 3, 4, 5, 6):
            await apply_to_done(app, pilot, "marriage-record-proof", card)
            await until(lambda: "凭条已打印" in screen_text(app))
            await tap(pilot, "#rate-5")
            await on_screen(pilot, HomeScreen)
        await staff_sign_in(pilot)
        await tap(pilot, "#staff-reprint")
        await until(lambda: "已打印" in screen_text(app))
        await tap(pilot, "#sync-now")
        await until(lambda: assembly.store.outbox.summary().pending == 0, timeout=20)
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log_file.read_text(encoding="utf-8")
    # What a technician needs is there: devices, print jobs, staff actions, sync counts.
    for event in ("kiosk XH-CCB-0001 assembled", "printer: ok ready", "(slip,",
                  "printed", "staff PIN accepted", "staff reprint", "sync pass: online"):
        assert event in text, event
    leaked = sorted(v for v in personal_values() if v in text)
    assert leaked == []


async def test_issue_14_journeys_leave_no_personal_data(log_file: Path,
                                                        assembly: Assembly) -> None:
    """A reservation, my reservation, progress by ID card and a pickup: the log names
    rounds, references and outcomes, never who."""
    assembly.api.sync_once()  # the demo platform's rounds reach the home screen
    assembly.api.apply_reference()
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        result = await reserve(pilot, assembly, "demo-masks-first-come", 0, "思明区",
                               "鹭岛大药房（中山路店）", "09:00-11:30", "身体健康")
        assert result.result.kind == "allocated"
        await take_card_and_go_home(pilot, assembly)
        await my_reservation(pilot, assembly, 0)
        assert result.result.reference in screen_text(app)
        await take_card_and_go_home(pilot, assembly)
        await tap(pilot, "#lookup")
        mock_reader(assembly).place(1)
        await until(lambda: "在政务平台没有办件记录" in screen_text(app)
                    or "的办件，共" in screen_text(app))
        mock_reader(assembly).remove()
        await tap(pilot, "#home")
        await on_screen(pilot, HomeScreen)
        await tap(pilot, "#pickup")
        await tap(pilot, "#sim-pickup-genuine")
        await until(lambda: "取件成功" in screen_text(app))
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log_file.read_text(encoding="utf-8")
    for event in ("round demo-masks-first-come: entry allocated", "pickup R-DE0000000042"):
        assert event in text, event
    leaked = sorted(v for v in personal_values() if v in text)
    assert leaked == []


async def test_issue_15_cabinet_journeys_leave_no_personal_data(log_file: Path,
                                                                assembly: Assembly) -> None:
    """Staff load the demo cases; their owners collect by card: the log names
    compartments and references, never who."""
    app = KioskApp(assembly.api, sync_in_background=False)
    cabinet = mock_cabinet(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_cabinet_screen(pilot)
        await tap(pilot, "#sim-demo-cases")
        references = app.screen.query_one(
            "#load-references", Input).value.split()
        await load(app, pilot, assembly, references)
        for card in (0, 1):
            app.reset_session()
            await on_screen(pilot, HomeScreen)
            await tap(pilot, "#pickup")
            await tap(pilot, f"#sim-card-{card}")
            await until(lambda: "柜门已打开" in screen_text(app))
            cabinet.push_closed(await an_open_door(assembly))
            await until(lambda: "取件完成" in screen_text(app))
            mock_reader(assembly).remove()
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log_file.read_text(encoding="utf-8")
    for event in ("cabinet: ok ready", "ready for pickup", "collected, door closed"):
        assert event in text, event
    leaked = sorted(v for v in personal_values() if v in text)
    assert leaked == []


def test_long_numbers_are_masked_before_any_handler_writes() -> None:
    record = logging.LogRecord("kiosk", logging.INFO, __file__, 1,
                               "looked up %s and %s", ("310104198506121230", PHONE), None)
    MaskNumbers().filter(record)
    message = record.getMessage()
    assert "310104198506121230" not in message and PHONE not in message
    assert "310***************" in message
