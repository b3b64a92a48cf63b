"""The home screen in both modes and the confirm screen's layout (issue 13, items 20, 21, 23)."""

from __future__ import annotations

from rich.cells import cell_len
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

from screens.app import KioskApp
from screens.confirm import ConfirmScreen
from screens.form import FormScreen
from screens.home import HomeScreen
from screens.identify import IdentifyScreen
from screens.reserve import ReserveIdentifyScreen
from tests.support.kiosk_driver import mock_reader, on_screen, tap, to_identify, until
from tests.support.reservations import make_round, open_rounds
from wiring.assembly import Assembly

OLDER_VISITORS = ["pension-qualification-certification", "elderly-allowance",
                  "medical-insurance-card-application", "social-security-card-loss",
                  "social-security-payment-certificate", "household-registration-certificate"]


def kiosk(assembly: Assembly) -> KioskApp:
    return KioskApp(assembly.api, sync_in_background=False)


async def test_elder_mode_lists_what_older_visitors_need_and_every_key_works(
        assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        await tap(pilot, "#elder-toggle")
        await until(lambda: app.elder)
        await on_screen(pilot, HomeScreen)
        hot = [b.id for b in app.screen.query("#hot Button").results(Button)]
        assert hot == [f"hot-{item}" for item in OLDER_VISITORS]
        # Every control is large, and the whole list is on screen: nothing to scroll to.
        for button in app.screen.query("Button").results(Button):
            assert button.region.height >= 5, button.id
            assert button.region.bottom <= 39, button.id
        await pilot.press("6")  # the last one answers too
        await on_screen(pilot, IdentifyScreen)
        assert app.session.item is not None
        assert app.session.item.id == "household-registration-certificate"


async def test_elder_forms_have_large_options_and_keys(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        app.set_elder_mode(True)
        await on_screen(pilot, HomeScreen)
        await pilot.press("1")  # pension qualification certification
        await on_screen(pilot, IdentifyScreen)
        mock_reader(assembly).place(1)  # 李秀英, 76
        await until(lambda: bool(app.screen.query_one("#identified").display))
        await tap(pilot, "#continue")
        await on_screen(pilot, FormScreen)
        options = [o.region.height for o in app.screen.query(RadioButton).results(RadioButton)]
        keys = [key.region.height for key in app.screen.query(".key")]
        assert options and min(options) >= 3, options
        assert keys and min(keys) >= 5, keys


async def test_the_reservation_is_one_tap_from_home(assembly: Assembly) -> None:
    open_rounds(assembly, make_round("fc-home", "first_come"))
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        await tap(pilot, "#round-fc-home")
        await on_screen(pilot, ReserveIdentifyScreen)
        assert isinstance(app.screen, ReserveIdentifyScreen)
        assert app.screen.round.id == "fc-home"


async def test_a_round_the_first_sync_brings_shows_on_the_home_screen_at_once(
        assembly: Assembly) -> None:
    # A kiosk starts before it has heard of any round: the first sync brings the demo
    # platform's rounds, and the idle home screen shows them without a visit first.
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        assert not app.screen.query("#round-demo-masks-lottery")
        app.sync_pass()
        await until(lambda: bool(app.screen.query("#round-demo-masks-lottery")))
        await tap(pilot, "#round-demo-masks-first-come")
        await on_screen(pilot, ReserveIdentifyScreen)


async def test_confirm_labels_never_run_into_their_values(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_identify(pilot, "mask-reservation")  # its phone label is the longest
        mock_reader(assembly).place(0)
        await until(lambda: bool(app.screen.query_one("#identified").display))
        await tap(pilot, "#continue")
        await on_screen(pilot, FormScreen)
        app.screen.query_one("#field-phone", Input).value = "13800138000"
        for radio in list(app.screen.query("#fields RadioSet").results(RadioSet)):
            radio.query(RadioButton).first().value = True
        await tap(pilot, "#next")
        await on_screen(pilot, ConfirmScreen)
        rows = list(app.screen.query(".row"))
        assert any("手机号码（接收结果短信）" in str(row.query_one(".row-label", Static).render())
                   for row in rows)
        for row in rows:
            label = row.query_one(".row-label", Static)
            value = row.query_one(".row-value", Static)
            text = str(label.render())
            box = label.content_region
            assert cell_len(text) <= box.width * box.height  # it wraps rather than spills
            assert box.right < value.region.x  # and a gap stays before the value


async def test_elder_home_keeps_every_hot_item_on_screen_with_the_card_reminder(
        assembly: Assembly) -> None:
    # Found by the monkey test: in elder mode the left-card reminder pushed keys 5-6 off.
    from tests.support.kiosk_driver import apply_to_done

    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await apply_to_done(app, pilot, "marriage-record-proof", 0)  # the card stays
        app.reset_session()
        await on_screen(pilot, HomeScreen)
        app.set_elder_mode(True)
        await until(lambda: app.elder and bool(app.screen.query("#hot Button")))
        await until(lambda: bool(app.screen.query_one("#card-reminder").display))
        await pilot.pause()
        for button in app.screen.query("Button").results(Button):
            assert button.region.bottom <= 39, button.id  # the status bar is row 39
