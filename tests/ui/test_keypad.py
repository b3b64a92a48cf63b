"""The on-screen keypads (issue 13, items 14 and 15): every tap counts, however fast, and
only keys that mean something are shown ("X" where an ID number is typed)."""

from __future__ import annotations

from textual.widgets import Input

from screens.app import KioskApp
from screens.form import FormScreen
from screens.home import HomeScreen
from screens.staff_login import StaffLoginScreen
from tests.support.kiosk_driver import mock_reader, on_screen, tap, to_identify, until
from wiring.assembly import Assembly


def kiosk(assembly: Assembly) -> KioskApp:
    return KioskApp(assembly.api, sync_in_background=False)


async def test_taps_faster_than_a_button_effect_all_count(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        await pilot.press("f12")
        await on_screen(pilot, StaffLoginScreen)
        pin = app.screen.query_one("#pin", Input)
        assert app.screen.query_one("#key-1").content_region.height >= 1  # its label shows
        for _ in range(4):  # one after the other, no pause: a quick finger
            assert await pilot.click("#key-1")
        assert pin.value == "1111"
        for _ in range(4):
            assert await pilot.click("#key-back")
        assert pin.value == ""
        assert not app.screen.query("#key-X")  # a PIN has no X


async def test_x_only_where_an_id_number_is_typed(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_identify(pilot, "medical-insurance-card-application")
        await tap(pilot, "#show-manual")
        assert app.screen.query("#key-X")  # the manual ID number may end in X
        await tap(pilot, "#show-card")
        mock_reader(assembly).place(1)  # 李秀英, 76: her form asks for a phone number
        await until(lambda: bool(app.screen.query_one("#identified").display))
        await tap(pilot, "#continue")
        await on_screen(pilot, FormScreen)
        assert app.screen.query("#key-1") and not app.screen.query("#key-X")
