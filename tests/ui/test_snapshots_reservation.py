"""SVG snapshots of the reservation screens (journey B and my reservation) at 120x40, in
Chinese, in English and in elder mode, with the machinery of tests/support/snapshots.py.
Review the report (`pytest tests/ui/test_snapshots_reservation.py`) before
`--snapshot-update`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

import pytest
from textual.pilot import Pilot

from contracts.clock import FakeClock
from contracts.identity import Identity, IdSource
from contracts.platform_api import EntryView
from kiosk.reservations import MyReservations, QueuedEntry, ReservationResult, ResultKind
from screens.app import KioskApp
from screens.home import HomeScreen
from screens.reserve import ReserveChoiceScreen, ReserveResultScreen
from screens.reserve_mine import MyReservationIdentifyScreen, MyReservationScreen
from tests.support.kiosk_driver import mock_reader, on_screen, screen_text, tap, until
from tests.support.reservations import choose, identify_for_round, make_round, open_rounds
from tests.support.snapshots import MODES, Steps, steps_in_mode
from wiring.assembly import Assembly

PERSON = Identity(name="张伟", id_number="310104198506121230", source=IdSource.CARD)
UNTIL = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def _rounds(assembly: Assembly) -> None:
    open_rounds(assembly,
                make_round("masks-lottery", "lottery", product_types=("kn95", "surgical"),
                           quotas={"sm-01/am/kn95": 50, "sm-01/am/surgical": 50,
                                   "sm-01/pm/kn95": 50, "hl-01/am/kn95": 60,
                                   "jm-01/all/surgical": 75}),
                make_round("masks-first", "first_come"),
                make_round("masks-xiamen", "lottery",
                           eligibility={"residence_regions": ["3502"]}))


async def _home(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    await on_screen(pilot, HomeScreen)


async def _identified(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    await identify_for_round(pilot, assembly, "masks-lottery", 0)


async def _not_eligible(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    await identify_for_round(pilot, assembly, "masks-xiamen", 0)


async def _to_choices(pilot: Pilot[None], assembly: Assembly, round_id: str) -> None:
    await identify_for_round(pilot, assembly, round_id, 0)
    await tap(pilot, "#continue")
    await on_screen(pilot, ReserveChoiceScreen)


async def _district(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    await _to_choices(pilot, assembly, "masks-lottery")
    await until(lambda: bool(pilot.app.screen.query(".option")))


async def _pharmacy(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    await _to_choices(pilot, assembly, "masks-lottery")
    await choose(pilot, "思明区")
    await until(lambda: "每次抽签" in screen_text(cast(KioskApp, pilot.app))
                or "each draw" in screen_text(cast(KioskApp, pilot.app)))


async def _first_come_windows(pilot: Pilot[None], assembly: Assembly,
                              clock: FakeClock) -> None:
    await _to_choices(pilot, assembly, "masks-first")
    screen = cast(ReserveChoiceScreen, pilot.app.screen)
    await until(lambda: screen.fetched)
    await choose(pilot, "思明区", "鹭岛大药房（中山路店）")
    await until(lambda: bool(pilot.app.screen.query(".option")))


async def _health(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    await _to_choices(pilot, assembly, "masks-lottery")
    await choose(pilot, "思明区", "鹭岛大药房（中山路店）", "09:00-11:30")
    kn95 = cast(KioskApp, pilot.app).t("reserve.type_kn95")
    await choose(pilot, kn95)


async def _confirm(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    await _health(pilot, assembly, clock)
    app = cast(KioskApp, pilot.app)
    well = app.t("reserve.health_well")
    yes = app.t("reserve.either_yes")
    await choose(pilot, well, yes)
    await until(lambda: bool(pilot.app.screen.query("#submit")))


def _show(pilot: Pilot[None], result: ReservationResult) -> None:
    app = cast(KioskApp, pilot.app)
    item = app.api.round_item(result.round)
    app.switch_screen(ReserveResultScreen(PERSON, result, item))


async def _result(pilot: Pilot[None], assembly: Assembly, result: ReservationResult) -> None:
    await on_screen(pilot, HomeScreen)
    _show(pilot, result)
    await on_screen(pilot, ReserveResultScreen)


async def _allocated(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    config = assembly.api.round_of("masks-first")
    assert config is not None
    await _result(pilot, assembly, ReservationResult(
        ResultKind.ALLOCATED, config, "R-2F9C41D07A3E", slot="sm-01/am",
        pickup_code="PK1.demo", valid_until=UNTIL))


async def _entered(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    config = assembly.api.round_of("masks-lottery")
    assert config is not None
    await _result(pilot, assembly, ReservationResult(
        ResultKind.ENTERED, config, "R-8B01D5C2E7F4", next_draw=config.draw_times[0]))


async def _offline(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    config = assembly.api.round_of("masks-first")
    assert config is not None
    await _result(pilot, assembly, ReservationResult(ResultKind.OFFLINE, config,
                                                     "XH-CCB-0001-000001"))


async def _sold_out(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    config = assembly.api.round_of("masks-first")
    assert config is not None
    await _result(pilot, assembly, ReservationResult(ResultKind.REFUSED, config,
                                                     reason="sold_out"))


async def _my_identify(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    await tap(pilot, "#my-reservation")
    await on_screen(pilot, MyReservationIdentifyScreen)
    mock_reader(assembly).place(0)
    await until(lambda: bool(pilot.app.screen.query_one("#identified").display))


def _mine(online: bool) -> MyReservations:
    entries = [EntryView(round_id="masks-first", reference="R-2F9C41D07A3E", status="won",
                         slot="sm-01/am", choices=["sm-01/am"], pickup_code="PK1.demo",
                         valid_until=UNTIL),
               EntryView(round_id="masks-lottery", reference="R-8B01D5C2E7F4",
                         status="entered", choices=["hl-01/am/kn95"])] if online else []
    queued = [QueuedEntry("XH-CCB-0001-000003", "masks-first", "jm-01/all",
                          datetime(2026, 11, 23, 9, 12, tzinfo=UTC))]
    return MyReservations(online, entries, queued)


async def _my_list(pilot: Pilot[None], assembly: Assembly, clock: FakeClock,
                   online: bool = True) -> None:
    assembly.api.my_reservations = lambda identity: _mine(online)  # type: ignore[method-assign]
    await on_screen(pilot, HomeScreen)
    cast(KioskApp, pilot.app).switch_screen(MyReservationScreen(PERSON))
    await on_screen(pilot, MyReservationScreen)
    await until(lambda: bool(pilot.app.screen.query(".myres-entry")))


async def _my_offline(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    await _my_list(pilot, assembly, clock, online=False)


SCREENS: dict[str, Steps] = {
    "home_rounds": _home, "reserve_identified": _identified,
    "reserve_not_eligible": _not_eligible, "reserve_district": _district,
    "reserve_pharmacy": _pharmacy, "reserve_first_come_windows": _first_come_windows,
    "reserve_health": _health, "reserve_confirm": _confirm,
    "reserve_allocated": _allocated, "reserve_entered": _entered,
    "reserve_offline": _offline, "reserve_sold_out": _sold_out,
    "myres_identify": _my_identify, "myres_list": _my_list, "myres_offline": _my_offline,
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(screen: str, mode: str, assembly: Assembly, clock: FakeClock,
                snap_compare) -> None:
    _rounds(assembly)
    app = KioskApp(assembly.api, sync_in_background=False)
    steps = SCREENS[screen]

    async def settled(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
        await steps(pilot, assembly, clock)
        # A new step's buttons take taps after a moment: drawn as they are then.
        await until(lambda: not any(b.disabled for b in app.screen.query(".option, #submit")))

    run_before = steps_in_mode(app, mode, settled, assembly, clock)
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
