"""The reservation journey walked in English: no Chinese on any screen or slip but proper
names (pharmacies and districts, which the reference data names in Chinese only; masked
names), and every button holds its whole label."""

from __future__ import annotations

from contracts.identity import mask_name
from screens.app import KioskApp
from screens.home import HomeScreen
from screens.reserve import ReserveChoiceScreen, ReserveResultScreen
from screens.reserve_mine import MyReservationIdentifyScreen, MyReservationScreen
from tests.support.english import foreign_text, labels_cut_short
from tests.support.kiosk_driver import (
    mock_printer,
    mock_reader,
    on_screen,
    screen_text,
    slip_text,
    tap,
    until,
)
from tests.support.reservations import (
    choose,
    identify_for_round,
    make_round,
    open_rounds,
    take_card_and_go_home,
)
from wiring.assembly import Assembly


async def test_the_reservation_journey_in_english(assembly: Assembly) -> None:
    open_rounds(assembly, make_round("en-1", "lottery", product_types=("kn95", "surgical"),
                                     quotas={"sm-01/am/kn95": 5, "sm-01/am/surgical": 5}))
    pharmacies = assembly.api.pharmacies
    assert pharmacies is not None
    field_test = assembly.api.field_test
    deck = field_test.reader.deck if field_test and field_test.reader else []
    # The field-test dock shows the demo cards' masked names: proper names.
    names = ["中文", *(mask_name(card.holder.display_name) for card in deck)]
    names += [p.name for p in pharmacies.pharmacies] + pharmacies.districts()
    names += [p.address for p in pharmacies.pharmacies]
    names.sort(key=len, reverse=True)  # a pharmacy's name before its district's
    app = KioskApp(assembly.api, sync_in_background=False)
    seen: dict[str, list[str]] = {}

    def look(where: str) -> None:
        seen[where] = foreign_text(screen_text(app), names)
        assert labels_cut_short(app) == [], where

    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        app.set_language("en")
        await until(lambda: "Start" in screen_text(app))
        look("home")
        await identify_for_round(pilot, assembly, "en-1", 0)
        look("identify")
        await tap(pilot, "#continue")
        await on_screen(pilot, ReserveChoiceScreen)
        for label in ("思明区", "鹭岛大药房（中山路店）", "09:00-11:30", "KN95 mask", "I am well",
                      "Yes, either type"):
            await until(lambda: bool(app.screen.query(".option")))
            look(f"choose {label}")
            await choose(pilot, label)
        await until(lambda: bool(app.screen.query("#submit")))
        look("confirm")
        await tap(pilot, "#submit")
        await on_screen(pilot, ReserveResultScreen)
        look("registered")
        printer = mock_printer(assembly)
        await until(lambda: len(printer.jobs()) == 1)
        seen["slip"] = foreign_text(slip_text(printer.jobs()[0].read_bytes()), names)
        await take_card_and_go_home(pilot, assembly)
        app.set_language("en")
        await until(lambda: "Start" in screen_text(app))
        await tap(pilot, "#my-reservation")
        await on_screen(pilot, MyReservationIdentifyScreen)
        mock_reader(assembly).place(0)
        await until(lambda: bool(app.screen.query_one("#identified").display))
        look("my reservation: identified")
        await tap(pilot, "#continue")
        await on_screen(pilot, MyReservationScreen)
        await until(lambda: "Your entries" in screen_text(app))
        look("my reservation")
    assert {where: found for where, found in seen.items() if found} == {}
