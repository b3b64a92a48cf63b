"""Issue 13, item 13: staff reach the PIN pad without a keyboard by holding the status
bar's unlabeled corner (``staff.long_press_s``, 3 s on the kiosk's clock); a tap there is
nothing, and the citizen's session is dropped exactly as F12 drops it."""

from __future__ import annotations

from contracts.clock import FakeClock
from screens.app import KioskApp
from screens.form import FormScreen
from screens.home import HomeScreen
from screens.staff import StaffScreen
from screens.staff_login import StaffLoginScreen
from tests.support.kiosk_driver import apply_to_done, on_screen, tap
from wiring.assembly import Assembly

ITEM = "marriage-record-proof"
CORNER = "#staff-corner"


async def hold_corner(pilot, clock: FakeClock, seconds: float) -> None:
    assert await pilot.mouse_down(CORNER), "the corner was not hit"
    clock.advance(seconds)
    assert await pilot.mouse_up(CORNER)
    await pilot.pause()


async def test_holding_the_corner_opens_the_pin_pad_and_drops_the_citizen(
        assembly: Assembly, clock: FakeClock) -> None:
    assert assembly.api.settings.staff_long_press_s == 3.0  # the config's default
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await apply_to_done(app, pilot, ITEM, 0, stop_at=FormScreen)
        assert app.session.holds_personal_data
        await hold_corner(pilot, clock, 2.9)  # a tap, or not held long enough: nothing
        assert isinstance(app.screen, FormScreen) and app.session.holds_personal_data
        await hold_corner(pilot, clock, 3.0)
        await on_screen(pilot, StaffLoginScreen)
        assert not app.session.holds_personal_data and app.session.identity is None
        for key in "2468":
            await tap(pilot, f"#keypad #key-{key}")  # the PIN by touch as well
        await tap(pilot, "#staff-enter")
        await on_screen(pilot, StaffScreen)


async def test_a_release_without_its_press_opens_nothing(assembly: Assembly,
                                                         clock: FakeClock) -> None:
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        clock.advance(10)
        assert await pilot.mouse_up(CORNER)
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
