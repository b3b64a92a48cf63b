"""The pickup cabinet through the real screens, the real lock-board driver on the mock
boards' pty, and the embedded platform: staff load two cases in one go, one citizen
collects by code and one by ID card, a second attempt says when it was collected; a
jammed door and a door left open reach staff; a power cut mid-door is reconciled."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import Input

from contracts.clock import FakeClock
from screens.app import KioskApp
from screens.door import DoorScreen
from screens.home import HomeScreen
from screens.pickup import PickupScreen
from tests.support.cabinet import (
    an_open_door,
    approved_case,
    cabinet_config,
    load,
    mock_cabinet,
    open_cabinet_screen,
    pickup_code_of,
)
from tests.support.cases import show_again
from tests.support.kiosk_driver import (
    mock_camera,
    on_screen,
    screen_text,
    shows,
    tap,
    until,
)
from wiring.assembly import Assembly, assemble
from wiring.config import KioskConfig


@pytest.fixture
def config(tmp_path: Path) -> KioskConfig:
    return cabinet_config(tmp_path)


def kiosk(assembly: Assembly) -> KioskApp:
    return KioskApp(assembly.api, sync_in_background=False)


async def to_pickup(app: KioskApp, pilot: object) -> None:
    app.reset_session()
    await on_screen(pilot, HomeScreen)  # type: ignore[arg-type]
    await tap(pilot, "#pickup")  # type: ignore[arg-type]
    await on_screen(pilot, PickupScreen)  # type: ignore[arg-type]


async def test_two_cases_loaded_one_collected_by_code_one_by_card(assembly: Assembly) -> None:
    app = kiosk(assembly)
    cabinet = mock_cabinet(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        by_code = await approved_case(app, pilot, assembly, 0)
        by_card = await approved_case(app, pilot, assembly, 1)
        await open_cabinet_screen(pilot)
        first, second = await load(app, pilot, assembly, [by_code, by_card])
        assert first != second
        assert "■" in screen_text(app)  # the grid shows them loaded

        # By code: the platform redeems, the door opens, the citizen shuts it.
        code = pickup_code_of(assembly, by_code)
        await to_pickup(app, pilot)
        mock_camera(assembly).show(code)
        await on_screen(pilot, DoorScreen)
        label = f"{first:02d}"
        await until(shows(app, "柜门已打开"))
        door = await an_open_door(assembly)
        assert assembly.api.cabinet.layout.get(first).door == door  # type: ignore[union-attr]
        cabinet.push_closed(door)
        await until(shows(app, "取件完成"))
        assert label in app.screen.query_one("#door-number").value  # type: ignore[attr-defined]

        # Shown again: refused, with when, and no door opens.
        await to_pickup(app, pilot)
        await show_again(assembly, code)
        await until(shows(app, "这个取件码已经用过了"))
        assert "在本机（建设银行上海徐汇支行）取走" in screen_text(app)
        assert cabinet.state().open_doors == ()

        # By card: the second case's owner places their card on the pickup screen.
        await to_pickup(app, pilot)
        await tap(pilot, "#sim-card-1")
        await on_screen(pilot, DoorScreen)
        await until(shows(app, "柜门已打开"))
        cabinet.push_closed(await an_open_door(assembly))
        await until(shows(app, "取件完成"))

        # The card again: collected, and when.
        await to_pickup(app, pilot)
        await tap(pilot, "#sim-remove")
        await tap(pilot, "#sim-card-1")
        await until(shows(app, f"办件 {by_card} 的物品已于"))
        assert cabinet.state().open_doors == ()
        views = {v.number: v for v in assembly.api.cabinet_view()}
        assert views[first].state == views[second].state == "empty"
        events = [e.event for e in assembly.api.cabinet_events(40)]
        assert events.count("collected") == 2 and events.count("platform_ready") == 2


async def test_a_jammed_door_keeps_the_goods_owed_and_reaches_staff(
        assembly: Assembly) -> None:
    app = kiosk(assembly)
    cabinet = mock_cabinet(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        reference = await approved_case(app, pilot, assembly, 0)
        await open_cabinet_screen(pilot)
        (number,) = await load(app, pilot, assembly, [reference])
        place = assembly.api.cabinet.layout.get(number)  # type: ignore[union-attr]
        assert place is not None
        cabinet.jam(place.door)

        await to_pickup(app, pilot)
        mock_camera(assembly).show(pickup_code_of(assembly, reference))
        await on_screen(pilot, DoorScreen)
        await until(shows(app, "柜门没有打开。您的取件已经登记"))
        assert cabinet.state().open_doors == ()

        await open_cabinet_screen(pilot)
        await until(shows(app, f"⚠ {number:02d} 号 已核销未开门（{reference}"))
        assert "请开门取出，当面交给市民" in screen_text(app)


async def test_a_door_left_open_reaches_staff_and_clears_once_shut(
        tmp_path: Path, clock: FakeClock) -> None:
    built = assemble(cabinet_config(tmp_path, close_timeout_s=1), clock)
    try:
        app = kiosk(built)
        cabinet = mock_cabinet(built)
        async with app.run_test(size=(120, 40)) as pilot:
            reference = await approved_case(app, pilot, built, 0)
            await open_cabinet_screen(pilot)
            await tap(pilot, "#load")  # nothing typed: said so, nothing opens
            await until(shows(app, "受理编号的格式是"))
            app.screen.query_one("#load-references", Input).value = reference
            await tap(pilot, "#load")
            door = await an_open_door(built)
            await until(shows(app, "号柜门没有关好"), timeout=15)
            await until(shows(app, "柜门未关"))  # the grid and the alert
            cabinet.push_closed(door)
            # The periodic device probe finds the door shut: loaded, and the platform told.
            await asyncio.to_thread(built.api.check_devices)
            (view,) = [v for v in built.api.cabinet_view() if v.reference == reference]
            assert (view.state, view.fault, view.confirmed) == ("loaded", None, True)
    finally:
        built.close()


def test_a_restart_between_open_and_closed_is_reconciled(tmp_path: Path,
                                                         clock: FakeClock) -> None:
    """The power goes while a door stands open for loading: after the restart the
    compartment is a fault staff see, and its door state is journalled."""
    config = cabinet_config(tmp_path)
    first = assemble(config, clock)
    try:
        desk = first.api.cabinet
        assert desk is not None
        answer = desk.load("XH-CCB-0001-000777", desk.layout.compartments[0].size)
        assert answer.opened and answer.view is not None
        number = answer.view.number
    finally:
        first.close()  # no finish_load: the kiosk stopped with the door open
    again = assemble(config, clock)
    try:
        report = again.api.cabinet_reconcile()
        assert report is not None and report.interrupted == (number,)
        view = next(v for v in again.api.cabinet_view() if v.number == number)
        assert (view.state, view.fault, view.phase) == ("fault", "interrupted", "load")
        assert view.reference == "XH-CCB-0001-000777"
        (event, *_) = again.api.cabinet_events(5)
        assert event.event == "interrupted" and event.detail.startswith("door ")
    finally:
        again.close()

