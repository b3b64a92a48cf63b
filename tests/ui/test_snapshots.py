"""SVG snapshots of every screen at 120x40, in Chinese, in English and in elder mode
(issue 13): the journey, a refusal the card decides, a refusal by an answer, the idle
warning, pickup and lookup, the staff sign-in and the staff screen. Review the report
(`pytest tests/ui/test_snapshots.py`) before `--snapshot-update`."""

from __future__ import annotations

from typing import cast

import pytest
from textual.pilot import Pilot
from textual.widgets import RadioButton

from contracts.clock import FakeClock
from kiosk.api import ReaderDetail
from screens.app import KioskApp
from screens.confirm import ConfirmScreen
from screens.form import FormScreen
from screens.home import HomeScreen
from screens.idle_warning import IdleWarning
from screens.rating import RatingScreen
from tests.support.kiosk_driver import (
    apply_to_done,
    mock_reader,
    on_screen,
    refused_by_answer,
    screen_text,
    tap,
    to_identify,
    until,
)
from tests.support.snapshots import MODES, Steps, steps_in_mode, to_lookup, to_pickup
from wiring.assembly import Assembly


async def _home(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    await on_screen(pilot, HomeScreen)


async def _catalog(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    await tap(pilot, "#start")
    await until(lambda: cast(KioskApp, pilot.app).session.step == "choose_item")


async def _identified(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    await to_identify(pilot, "marriage-record-proof")
    mock_reader(assembly).place(0)
    await until(lambda: bool(pilot.app.screen.query_one("#identified").display))


async def _refused_by_card(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    await to_identify(pilot, "elderly-allowance")  # 65+, Shanghai household: he is 41
    mock_reader(assembly).place(0)
    await until(lambda: bool(pilot.app.screen.query_one("#identified").display))


async def _document_not_taken(pilot: Pilot[None], assembly: Assembly,
                              clock: FakeClock) -> None:
    await to_identify(pilot, "household-registration-certificate")
    mock_reader(assembly).place(5)  # a foreigner's card
    await until(lambda: bool(pilot.app.screen.query_one("#identified").display))


async def _typed_identity(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    await to_identify(pilot, "provident-fund-deposit-statement")
    await tap(pilot, "#show-manual")


async def _form(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    await apply_to_done(pilot.app, pilot, "pension-qualification-certification", 1,
                        stop_at=FormScreen)


async def _confirm(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    await apply_to_done(pilot.app, pilot, "mask-reservation", 0, stop_at=ConfirmScreen)


async def _done(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    await apply_to_done(pilot.app, pilot, "marriage-record-proof", 0)
    await until(lambda: not pilot.app.screen.query_one("#rate-5").disabled)


async def _refused_by_answer(pilot: Pilot[None], assembly: Assembly,
                             clock: FakeClock) -> None:
    app = pilot.app
    await refused_by_answer(app, pilot)
    await until(lambda: not app.screen.query_one("#rate-5").disabled)


async def _bad_review(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    await _done(pilot, assembly, clock)
    await pilot.press("2")
    await on_screen(pilot, RatingScreen)


async def _idle_warning(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    await _identified(pilot, assembly, clock)
    app = cast(KioskApp, pilot.app)
    clock.advance(app.api.idle.timeout_s - 10)
    app.idle_tick()
    await on_screen(pilot, IdleWarning)


async def _staff_login(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    await pilot.press("f12")
    await until(lambda: bool(pilot.app.screen.query("#pin")))


async def _staff(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    # The mock reader's link lives in the test's temporary folder: a fixed one is shown.
    detail = ReaderDetail("/dev/ttyUSB0", "05.01-20240315-1234567890-0987654321")
    assembly.api.reader_detail = lambda: detail  # type: ignore[method-assign]
    await _staff_login(pilot, assembly, clock)
    await pilot.press("2", "4", "6", "8", "enter")
    await until(lambda: bool(pilot.app.screen.query("#staff-leave")))
    app = cast(KioskApp, pilot.app)
    await until(lambda: "凭条" in screen_text(app) or "slip" in screen_text(app))
    # The cabinet's line is filled by a worker: wait for it, or the page below it moves
    # by a line after the picture's scroll on a busy machine.
    await until(lambda: bool(str(app.screen.query_one("#cabinet-summary").render())))


async def _staff_ratings(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    # A bad review with its reason, delivered; then staff read the month's 好差评.
    app = cast(KioskApp, pilot.app)
    lang, elder = app.t.lang, app.elder  # a visit's end resets them: staff keep the mode
    await _bad_review(pilot, assembly, clock)
    list(app.screen.query(RadioButton).results(RadioButton))[0].value = True
    await tap(pilot, "#submit")
    await on_screen(pilot, HomeScreen)
    app.clear_notifications()  # the thanks, gone in 4 s anyway: not in the picture
    app.sync_pass()  # as the background sync would, so the status bar says so too
    await until(lambda: bool(app.api.sync_status.online) and app.api.sync_status.queue is not None
                and app.api.sync_status.queue.pending == 0)
    app.set_language(lang)
    app.set_elder_mode(elder)
    await on_screen(pilot, HomeScreen)
    await _staff(pilot, assembly, clock)
    await tap(pilot, "#ratings-30")
    await until(lambda: "★" in str(app.screen.query_one("#ratings-report").render()))
    app.screen.query_one("#ratings-panel").scroll_visible(animate=False, top=True)
    await pilot.pause()


SCREENS: dict[str, Steps] = {
    "home": _home, "catalog": _catalog, "identified": _identified,
    "refused_by_card": _refused_by_card, "document_not_taken": _document_not_taken,
    "typed_identity": _typed_identity, "form": _form, "confirm": _confirm, "done": _done,
    "refused_by_answer": _refused_by_answer, "bad_review": _bad_review,
    "idle_warning": _idle_warning, "pickup": to_pickup, "lookup": to_lookup,
    "staff_login": _staff_login, "staff": _staff, "staff_ratings": _staff_ratings,
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(screen: str, mode: str, assembly: Assembly, clock: FakeClock,
                snap_compare) -> None:
    app = KioskApp(assembly.api, sync_in_background=False)
    run_before = steps_in_mode(app, mode, SCREENS[screen], assembly, clock)
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
