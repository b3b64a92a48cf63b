"""The reference number is seen (issue 13, item 18): Enters pressed on the confirm screen
cannot skip the done screen; rating is offered once the slip has printed and the
screen has been up for ``idle.done_min_s``."""

from __future__ import annotations

from textual.widgets import Button

from screens.app import KioskApp
from screens.confirm import ConfirmScreen
from screens.done import DoneScreen
from screens.home import HomeScreen
from tests.support.kiosk_driver import apply_to_done, on_screen, screen_text, until
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
