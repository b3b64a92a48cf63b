"""好差评 on the staff screen: ratings given at this kiosk reach the platform with the
outbox, and staff read the platform's counts back: per service, by score, and why."""

from __future__ import annotations

from textual.widgets import RadioButton, RadioSet

from screens.app import KioskApp
from screens.home import HomeScreen
from screens.rating import RatingScreen
from tests.support.kiosk_driver import apply_to_done, on_screen, staff_sign_in, tap, until
from wiring.assembly import Assembly


def report_text(app: KioskApp) -> str:
    return str(app.screen.query_one("#ratings-report").render())


async def test_staff_read_this_kiosks_ratings_from_the_platform(assembly: Assembly) -> None:
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        # One good rating, one bad with its reason, for the same service.
        await apply_to_done(app, pilot, "marriage-record-proof", 0)
        await tap(pilot, "#rate-5")
        await on_screen(pilot, HomeScreen)
        await apply_to_done(app, pilot, "marriage-record-proof", 3)
        await tap(pilot, "#rate-2")
        await on_screen(pilot, RatingScreen)
        reasons = app.screen.query_one("#reason", RadioSet)
        list(reasons.query(RadioButton).results(RadioButton))[0].value = True  # slow
        await tap(pilot, "#submit")
        await on_screen(pilot, HomeScreen)
        assert assembly.api.sync_once().online  # the ratings travel with the outbox

        await staff_sign_in(pilot)
        assert "选择时段" in report_text(app)
        await tap(pilot, "#ratings-7")
        await until(lambda: "共 2 条评价" in report_text(app))
        text = report_text(app)
        assert "差评 1 条" in text and "婚姻登记记录证明" in text
        assert "5★1 4★0 3★0 2★1 1★0" in text
        assert "办理时间太长 1 条" in text


async def test_an_unreachable_platform_says_so(assembly: Assembly) -> None:
    assert assembly.connection.embedded is not None
    assembly.connection.embedded.stop()
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        await staff_sign_in(pilot)
        await tap(pilot, "#ratings-1")
        await until(lambda: "暂时无法连接政务平台" in report_text(app))
