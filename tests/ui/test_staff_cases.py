"""Staff look a case up by its reference on the staff screen and see the platform's
timeline beside the slip journal, as staff move the case on (issue 14, item 6)."""

from __future__ import annotations

import asyncio

from textual.widgets import Input, Static

from screens.app import KioskApp
from screens.home import HomeScreen
from tests.support.cases import SITE, WINDOW, cut_link, move_case, staff_token
from tests.support.kiosk_driver import apply_to_done, on_screen, staff_sign_in, tap, until
from wiring.assembly import Assembly


def progress_text(app: KioskApp) -> str:
    return str(app.screen.query_one("#case-progress").render())


async def find(app: KioskApp, pilot, reference: str) -> None:
    app.screen.query_one("#case-progress", Static).update("")
    app.screen.query_one("#slip-reference", Input).value = reference
    await tap(pilot, "#slip-find")
    await until(lambda: bool(progress_text(app)))


async def test_staff_see_a_cases_timeline_by_its_reference(assembly: Assembly) -> None:
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await apply_to_done(app, pilot, "social-security-card-loss", 1)
        submission = app.session.submission
        assert submission is not None
        reference = submission.reference
        app.reset_session()
        await on_screen(pilot, HomeScreen)
        await asyncio.to_thread(assembly.api.sync_once)
        token = staff_token(assembly)
        await asyncio.to_thread(move_case, assembly, token, reference, "reviewing")

        await staff_sign_in(pilot)
        await find(app, pilot, reference)
        text = progress_text(app)
        assert "已受理" in text and "▶" in text.split("审核中")[0].splitlines()[-1]
        assert "已打印" in str(app.screen.query_one("#slip-found").render())  # and the slip

        await asyncio.to_thread(move_case, assembly, token, reference, "approved")
        await asyncio.to_thread(move_case, assembly, token, reference, "ready_for_pickup",
                                site=SITE, window=WINDOW)
        await find(app, pilot, reference)
        assert f"取件地点：{SITE}" in progress_text(app)

        # Offline: what this kiosk last heard, said to be that.
        cut_link(assembly)
        await find(app, pilot, reference)
        assert "可以取件" in progress_text(app) and "本机" in progress_text(app)
        await find(app, pilot, "XH-CCB-0001-000099")
        assert "000099" in progress_text(app)
