"""SVG snapshots of out of service (issue 18) at 120x40, in Chinese, in English and in
elder mode: the home screen with services paused (one by staff, one by the cabinet),
the whole kiosk out, and the staff's pause-and-resume screen. Outages start at the fake
clock's time, so the pictures do not move. Review the report before `--snapshot-update`."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Button

from contracts.clock import FakeClock
from screens.app import KioskApp
from screens.service_staff import ServiceStaffScreen
from tests.support.kiosk_driver import on_screen, shows, staff_sign_in, tap, until
from tests.support.snapshots import MODES, Steps, steps_in_mode
from wiring.assembly import Assembly


async def _paused(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    api = assembly.api
    api.put_out_of_service("marriage-record-proof", "maintenance", note="new form")
    api.put_out_of_service("pickup", "cabinet_down")
    app = pilot.app
    # The home screen looks once a second and shows itself again.
    # (Elder mode's hot list has no marriage record: only the pickup is greyed there.)
    await until(lambda: any(b.id == "pickup" for b in app.screen.query("Button.-out")
                            .results(Button)))
    await until(lambda: bool(app.screen.query("#service-notice.-shown")))
    await pilot.pause()


async def _whole(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    assembly.api.put_out_of_service("*", "maintenance")
    await until(lambda: bool(pilot.app.screen.query("#oos-lang")))
    await pilot.pause()


async def _staff_outages(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    assembly.api.put_out_of_service("elderly-allowance", "maintenance",
                                    note="form changes on Monday")
    await staff_sign_in(pilot)
    await tap(pilot, "#staff-outages")
    await on_screen(pilot, ServiceStaffScreen)
    await tap(pilot, "#svc-0")
    await tap(pilot, "#reason-maintenance")
    await until(shows(pilot.app, "Monday"))  # type: ignore[arg-type]
    await pilot.pause()


SCREENS: dict[str, Steps] = {"paused": _paused, "whole": _whole,
                             "staff_outages": _staff_outages}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(screen: str, mode: str, assembly: Assembly, clock: FakeClock,
                snap_compare) -> None:
    app = KioskApp(assembly.api, sync_in_background=False)
    run_before = steps_in_mode(app, mode, SCREENS[screen], assembly, clock)
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
