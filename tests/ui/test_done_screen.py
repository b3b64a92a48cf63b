"""The reference number is seen (issue 13, item 18): Enters pressed on the confirm screen
cannot skip the done screen; rating is offered once the slip has printed and the
screen has been up for ``idle.done_min_s``."""

from __future__ import annotations

import threading

import pytest
from textual.widgets import Button

from kiosk.api import KioskApi
from kiosk.applications import Rating
from screens.app import KioskApp
from screens.confirm import ConfirmScreen
from screens.done import DoneScreen
from screens.home import HomeScreen
from screens.staff_login import StaffLoginScreen
from tests.support.kiosk_driver import apply_to_done, on_screen, screen_text, tap, until
from wiring.assembly import Assembly


async def test_enters_on_confirm_do_not_skip_the_reference(assembly: Assembly) -> None:
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await apply_to_done(app, pilot, "marriage-record-proof", 0, stop_at=ConfirmScreen)
        await pilot.press("enter", "enter", "enter", "enter")  # an impatient finger
        await on_screen(pilot, DoneScreen)
        rating = app.screen.query_one("#rate-5", Button)
        assert rating.disabled  # not yet: the slip is printing, the number just appeared
        await pilot.press("enter", "enter")
        assert isinstance(app.screen, DoneScreen)
        assert f"{assembly.config.kiosk.id}-000001" in screen_text(app)
        await until(lambda: not rating.disabled)  # printed, and shown for done_min_s
        assert "凭条已打印" in screen_text(app)
        await pilot.press("enter")  # the best level now has the focus: one key rates
        await on_screen(pilot, HomeScreen)
        await until(lambda: assembly.store.outbox.summary().pending == 2)


@pytest.mark.parametrize("key", ["escape", "f12"])
async def test_a_key_while_the_rating_is_recorded(
        assembly: Assembly, monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    """Found by the monkey test: Escape (skip) or F12 right after "submit" reset the
    session while the worker recorded the rating; it raised TransitionError ("no case to
    rate"). Now skip is disabled while it records, and a rating the session no longer
    has a case for is dropped."""
    recording, release, returned = threading.Event(), threading.Event(), threading.Event()
    rate, reset = KioskApi.rate, KioskApi.reset_session

    def slow(api: KioskApi, rating: Rating, reason: str) -> None:
        recording.set()
        release.wait(10)
        try:
            rate(api, rating, reason)
        finally:
            returned.set()

    def reset_meanwhile(api: KioskApi) -> None:
        # The worker finishes right after the reset, before the screen is taken down (the
        # race the monkey hit; left to chance the worker is usually cancelled first).
        reset(api)
        release.set()
        returned.wait(10)

    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await apply_to_done(app, pilot, "marriage-record-proof", 0)
        monkeypatch.setattr(KioskApi, "rate", slow)
        await tap(pilot, "#rate-5")  # on the done screen: the rating screen records it
        await until(recording.is_set)
        monkeypatch.setattr(KioskApi, "reset_session", reset_meanwhile)
        await pilot.press(key)
        await pilot.pause()
        release.set()
        await on_screen(pilot, StaffLoginScreen if key == "f12" else HomeScreen)
        await pilot.pause()
        assert app.is_running
    assert assembly.api.ui_faults == 0
