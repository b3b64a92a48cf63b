"""Back and home on every step (issue 13, item 17): Escape goes one step back, or home
where there is no step back, and every journey screen has a home button to tap."""

from __future__ import annotations

from screens.app import KioskApp
from screens.catalog import CatalogScreen
from screens.confirm import ConfirmScreen
from screens.done import DoneScreen
from screens.form import FormScreen
from screens.home import HomeScreen
from screens.identify import IdentifyScreen
from screens.lookup import LookupScreen
from screens.pickup import PickupScreen
from screens.rating import RatingScreen
from screens.staff_login import StaffLoginScreen
from tests.support.kiosk_driver import apply_to_done, on_screen, tap, to_identify
from wiring.assembly import Assembly

ITEM = "marriage-record-proof"


def kiosk(assembly: Assembly) -> KioskApp:
    return KioskApp(assembly.api, sync_in_background=False)


async def test_escape_walks_the_journey_back(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await apply_to_done(app, pilot, ITEM, 0)  # to the done screen and its slip
        await pilot.press("escape")  # done: no step back, so home
        await on_screen(pilot, HomeScreen)
        assert not app.session.holds_personal_data

        await to_identify(pilot, ITEM)
        await pilot.press("escape")
        await on_screen(pilot, CatalogScreen)
        await pilot.press("escape")
        await on_screen(pilot, HomeScreen)


async def test_escape_from_confirm_form_and_rating(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await apply_to_done(app, pilot, ITEM, 0, stop_at=ConfirmScreen)
        await pilot.press("escape")  # confirm -> form, the answers kept to edit
        await on_screen(pilot, FormScreen)
        assert app.session.answers
        await pilot.press("escape")  # form -> identify, the identity dropped
        await on_screen(pilot, IdentifyScreen)
        assert app.session.identity is None
        await tap(pilot, "#home")
        await on_screen(pilot, HomeScreen)
        await apply_to_done(app, pilot, ITEM, 0)
        await tap(pilot, "#rate-2")  # a bad review: the rating screen asks why
        await on_screen(pilot, RatingScreen)
        await pilot.press("escape")  # rating: skip, home
        await on_screen(pilot, HomeScreen)


async def test_every_journey_screen_has_a_way_home(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        screens_seen = []

        async def home_from_here() -> None:
            screens_seen.append(type(app.screen))
            await tap(pilot, "#home")
            await on_screen(pilot, HomeScreen)

        await to_identify(pilot, ITEM)
        await home_from_here()
        for stop_at in (FormScreen, ConfirmScreen, DoneScreen):
            await apply_to_done(app, pilot, ITEM, 0, stop_at=stop_at)
            await home_from_here()
        app.switch_screen(PickupScreen())
        await on_screen(pilot, PickupScreen)
        await pilot.press("escape")
        await on_screen(pilot, HomeScreen)
        app.switch_screen(LookupScreen())
        await on_screen(pilot, LookupScreen)
        await pilot.press("escape")
        await on_screen(pilot, HomeScreen)
        await pilot.press("f12")
        await on_screen(pilot, StaffLoginScreen)
        await pilot.press("escape")
        await on_screen(pilot, HomeScreen)
        assert screens_seen == [IdentifyScreen, FormScreen, ConfirmScreen, DoneScreen]
