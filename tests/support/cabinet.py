"""The pickup cabinet in tests: the mock boards behind the real driver, approved cases to
load, loading them through the staff's cabinet screen, and the code the platform issued."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from textual.pilot import Pilot
from textual.widgets import Input

from devices.cabinet import Door, MockCabinet
from screens.app import KioskApp
from screens.cabinet_staff import CabinetStaffScreen
from tests.support.cases import embedded, staff_move, staff_token
from tests.support.kiosk_driver import apply_to_done, mocks, on_screen, shows, tap, until
from tests.support.platform_access import bearer
from wiring.assembly import Assembly
from wiring.config import DEMO_CONFIG, KioskConfig, load_config


def cabinet_config(tmp_path: Path, close_timeout_s: float = 20) -> KioskConfig:
    """The demo kiosk with doors that stay open until a test pushes them shut."""
    config = load_config(DEMO_CONFIG, data_dir=tmp_path / "data")
    config.devices.cabinet.auto_close_s = None
    config.devices.cabinet.close_timeout_s = close_timeout_s
    config.speech.kind = "mock"  # never aloud on a developer's machine (tests/conftest.py)
    return config


def mock_cabinet(assembly: Assembly) -> MockCabinet:
    cabinet = mocks(assembly).cabinet
    assert cabinet is not None, "the demo config mocks the cabinet"
    return cabinet


async def an_open_door(assembly: Assembly) -> Door:
    """The one door standing open (a door the kiosk just opened)."""
    cabinet = mock_cabinet(assembly)
    await until(lambda: len(cabinet.state().open_doors) == 1)
    (door,) = cabinet.state().open_doors
    return door


async def approved_case(app: KioskApp, pilot: Pilot[None], assembly: Assembly,
                        card: int) -> str:
    """Apply at the kiosk with a demo card, send it, have staff approve it: its reference."""
    await apply_to_done(app, pilot, "marriage-record-proof", card)
    submission = app.session.submission
    assert submission is not None
    await asyncio.to_thread(assembly.api.sync_once)
    answer = await asyncio.to_thread(staff_move, assembly, staff_token(assembly),
                                     submission.reference, "approved")
    assert answer.status_code in (200, 409), answer.text  # 409: the kiosk approved it
    app.reset_session()
    return submission.reference


async def open_cabinet_screen(pilot: Pilot[None]) -> None:
    from tests.support.kiosk_driver import staff_sign_in

    await staff_sign_in(pilot)
    await tap(pilot, "#staff-cabinet")
    await on_screen(pilot, CabinetStaffScreen)


async def load(app: KioskApp, pilot: Pilot[None], assembly: Assembly,
               references: list[str]) -> list[int]:
    """Type the references on the cabinet screen, load: each door opens in turn and is
    pushed shut; the compartments they went into."""
    app.screen.query_one("#load-references", Input).value = " ".join(references)
    await tap(pilot, "#load")
    numbers = []
    for reference in references:
        door = await an_open_door(assembly)
        view = next(v for v in assembly.api.cabinet_view() if v.reference == reference)
        assert view.compartment.door == door
        mock_cabinet(assembly).push_closed(door)
        await until(shows(app, f"✔ {reference} 已放入 {view.compartment.label} 号格口"))
        numbers.append(view.number)
    return numbers


def pickup_code_of(assembly: Assembly, reference: str) -> str:
    """The code the platform issued when the case was loaded (as staff can see it)."""
    answer = httpx.post(f"{embedded(assembly).url}/api/v1/cases/lookup",
                        json={"reference": reference}, headers=bearer(staff_token(assembly)),
                        timeout=10)
    answer.raise_for_status()
    (case,) = answer.json()["cases"]
    code: str = case["pickup_code"]
    assert code, f"{reference} has no pickup code"
    return code
