"""Issue 13, item 19: an English screen shows no Chinese, but for proper names that have
no English form (a masked Chinese name from the card): every citizen screen, walked in
English, with the foreigner's card (its English name is shown) and a resident's."""

from __future__ import annotations

from textual.widgets import Static

from contracts.identity import mask_name
from screens.app import KioskApp
from screens.catalog import CatalogScreen
from screens.confirm import ConfirmScreen
from screens.done import DoneScreen
from screens.form import FormScreen
from screens.home import HomeScreen
from screens.identify import IdentifyScreen
from screens.idle_warning import IdleWarning
from screens.lookup import LookupScreen
from screens.pickup import PickupScreen
from screens.rating import RatingScreen
from tests.support.english import foreign_text, labels_cut_short
from tests.support.kiosk_driver import (
    apply_to_done,
    mock_printer,
    on_screen,
    screen_text,
    slip_text,
    tap,
    until,
)
from wiring.assembly import Assembly


async def test_every_citizen_screen_in_english_has_no_chinese(assembly: Assembly,
                                                               clock) -> None:
    deck = assembly.api.field_test.reader.deck if assembly.api.field_test and \
        assembly.api.field_test.reader else []
    # The field-test dock shows the demo cards' masked names: proper names.
    names = [mask_name(card.holder.display_name) for card in deck]
    # A language switch names each language in itself.
    names.append("中文")
    app = KioskApp(assembly.api, sync_in_background=False)
    seen: dict[str, list[str]] = {}

    def look(where: str) -> None:
        seen[where] = foreign_text(screen_text(app), names)
        # And no label cut short: every visible button holds its whole label on screen.
        assert labels_cut_short(app) == [], where

    async def home_in_english(way: str = "#home") -> None:
        # Going home ends the visit and its language: the next visitor's is the kiosk's.
        await tap(pilot, way)
        await until(lambda: app.t.lang == "zh-CN" and bool(app.screen.query("#start")))
        app.set_language("en")
        await until(lambda: "Start" in screen_text(app))

    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        app.set_language("en")
        await on_screen(pilot, HomeScreen)
        look("home")
        app.set_elder_mode(True)
        await on_screen(pilot, HomeScreen)
        look("home, elder mode")
        app.set_elder_mode(False)
        await until(lambda: not app.elder and bool(app.screen.query("#start")))
        await tap(pilot, "#start")
        await on_screen(pilot, CatalogScreen)
        look("catalog")
        await home_in_english()
        await tap(pilot, "#pickup")
        await on_screen(pilot, PickupScreen)
        look("pickup")
        await home_in_english()
        await tap(pilot, "#lookup")
        await on_screen(pilot, LookupScreen)
        look("lookup")
        await home_in_english()

        # The 2017 foreigner's card: his English name, not 史密斯, on every screen.
        await apply_to_done(app, pilot, "marriage-record-proof", 5, stop_at=FormScreen)
        name_shown = str(app.screen.query_one("#field-name", Static).render())
        assert mask_name("SMITH, JOHN") in name_shown and "史" not in name_shown
        look("form")
        await pilot.press("enter")  # the purpose's first choice: on to confirm
        await on_screen(pilot, ConfirmScreen)
        look("confirm")
        await tap(pilot, "#submit")
        await on_screen(pilot, DoneScreen)
        await until(lambda: "printed" in screen_text(app).lower())
        look("done")
        slip = slip_text(mock_printer(assembly).jobs()[-1].read_bytes())
        seen["slip"] = foreign_text(slip, names)
        clock.advance(assembly.config.idle.timeout_s - 5)
        app.idle_tick()
        await on_screen(pilot, IdleWarning)
        look("idle warning")
        await pilot.press("space")  # still here
        await on_screen(pilot, DoneScreen)
        await tap(pilot, "#rate-1")
        await on_screen(pilot, RatingScreen)
        look("rating, a bad review")

        # A refusal the card decides, and an identify screen listing documents.
        await home_in_english("#skip")
        app.session.choose(assembly.api.catalog.get("elderly-allowance"))
        app.show_step()
        await on_screen(pilot, IdentifyScreen)
        await tap(pilot, "#sim-card-0")
        await until(lambda: "cannot be done at the kiosk" in screen_text(app))
        look("identify, refused")
    assert {where: lines for where, lines in seen.items() if lines} == {}
