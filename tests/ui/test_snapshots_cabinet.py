"""SVG snapshots of the pickup cabinet at 120x40, in Chinese, in English and in elder
mode: a door open for the citizen, a door that did not open, and the staff's cabinet
screen with goods waiting and a fault. The real driver talks to the mock boards and the
embedded platform answers; references and times come from the demo cases and the fake
clock, so the pictures do not move. Review the report before `--snapshot-update`."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from contracts.clock import FakeClock
from kiosk.cabinet_layout import Size
from screens.app import KioskApp
from screens.cabinet_staff import CabinetStaffScreen
from screens.door import DoorScreen
from tests.support.cabinet import cabinet_config, mock_cabinet
from tests.support.kiosk_driver import on_screen, shows, until
from tests.support.snapshots import MODES, Steps, steps_in_mode
from wiring.assembly import Assembly
from wiring.config import KioskConfig


@pytest.fixture
def config(tmp_path: Path) -> KioskConfig:
    config = cabinet_config(tmp_path)
    # A picture of an answered door, not of a late one: on a loaded machine the mock
    # board's thread can miss the 0.5 s a real board gets (no pictures of silence here).
    config.devices.cabinet.timeout_s = 3.0
    return config


@pytest.fixture(autouse=True)
def doors_shut_after(assembly: Assembly) -> Iterator[None]:
    """A door left open by a picture is pushed shut before the kiosk closes."""
    yield
    cabinet = mock_cabinet(assembly)
    for door in cabinet.state().open_doors:
        cabinet.push_closed(door)


def loaded(assembly: Assembly) -> list[int]:
    """The two demo cases, loaded into the cabinet as staff would: their compartments."""
    api = assembly.api
    desk = api.cabinet
    assert desk is not None and api.field_test is not None
    numbers = []
    for reference in api.field_test.add_demo_cases():
        answer = desk.load(reference, Size.SMALL)
        assert answer.view is not None
        mock_cabinet(assembly).push_closed(answer.view.compartment.door)
        assert desk.finish_load(answer.view.number).outcome == "ready"
        numbers.append(answer.view.number)
    return numbers


async def _release(pilot: Pilot[None], assembly: Assembly, jam: bool) -> None:
    desk = assembly.api.cabinet
    assert desk is not None
    first, _ = await asyncio.to_thread(loaded, assembly)
    view = desk.compartment(first)
    assert view is not None and view.reference is not None
    if jam:
        mock_cabinet(assembly).jam(view.compartment.door)
    released = desk.redeemed(view.reference)
    assert released is not None
    pilot.app.push_screen(DoorScreen([released]))
    await on_screen(pilot, DoorScreen)
    app = pilot.app
    assert isinstance(app, KioskApp)
    answered = app.t("door.problem_jammed" if jam else "door.open")
    await until(shows(app, answered))


async def _door_open(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    await _release(pilot, assembly, jam=False)


async def _door_jammed(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    await _release(pilot, assembly, jam=True)


async def _staff(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    desk = assembly.api.cabinet
    assert desk is not None
    _, second = await asyncio.to_thread(loaded, assembly)
    view = desk.compartment(second)
    assert view is not None and view.reference is not None
    mock_cabinet(assembly).jam(view.compartment.door)
    desk.redeemed(view.reference)
    await asyncio.to_thread(desk.open_for_citizen, second)  # stays shut: owed, a fault
    pilot.app.push_screen(CabinetStaffScreen())
    await on_screen(pilot, CabinetStaffScreen)
    await until(lambda: "⚠" in str(pilot.app.screen.query_one("#cabinet-alerts").render()))


SCREENS: dict[str, Steps] = {
    "cabinet_door_open": _door_open, "cabinet_door_jammed": _door_jammed,
    "cabinet_staff": _staff,
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(screen: str, mode: str, assembly: Assembly, clock: FakeClock,
                snap_compare) -> None:
    """As tests/ui/test_snapshots.py's ``test_screen``, over these screens."""
    app = KioskApp(assembly.api, sync_in_background=False)
    run_before = steps_in_mode(app, mode, SCREENS[screen], assembly, clock)
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
