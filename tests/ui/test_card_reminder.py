"""请取回身份证 (issue 13, item 8): the card left on the reader is pointed out on the done
screen, and on the home screen if the session was reset while it lay there, until the
reader says it has gone."""

from __future__ import annotations

from contracts.clock import FakeClock
from screens.app import KioskApp
from screens.home import HomeScreen
from tests.support.kiosk_driver import apply_to_done, mock_reader, on_screen, shows, until
from wiring.assembly import Assembly

TAKE_CARD = "请取回您的身份证"


def reminder_shown(app: KioskApp) -> bool:
    return bool(app.screen.query_one("#card-reminder").display)


async def test_the_done_screen_reminds_until_the_card_leaves(assembly: Assembly) -> None:
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await apply_to_done(app, pilot, "marriage-record-proof", 0)
        await until(shows(app, TAKE_CARD))
        mock_reader(assembly).remove()
        await until(lambda: not reminder_shown(app))


async def test_a_reset_with_the_card_still_there_says_so(assembly: Assembly,
                                                         clock: FakeClock) -> None:
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        assert not reminder_shown(app)  # nothing read yet: nothing to remind of
        await apply_to_done(app, pilot, "marriage-record-proof", 0)
        clock.advance(assembly.config.idle.timeout_s + 1)
        app.idle_tick()
        await on_screen(pilot, HomeScreen)
        await until(shows(app, TAKE_CARD))  # the next visitor is told whose card lies there
        mock_reader(assembly).remove()
        await until(lambda: not reminder_shown(app))
