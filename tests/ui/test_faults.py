"""A citizen's input never ends the kiosk (issue 13, item 1): a burst the session cannot
take is ignored, an unexpected error in a screen goes back home (logged without personal
data, counted for staff), and only an error in the app's own loop stops the process,
with exit status 1 and no traceback of locals."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from textual.widgets import Button

import screens.app
from contracts.catalog import Catalog
from kiosk.api import KioskApi
from screens.app import KioskApp, SyncFinished
from screens.confirm import ConfirmScreen
from screens.home import HomeScreen
from screens.identify import IdentifyScreen
from tests.support.kiosk_driver import apply_to_done, on_screen, screen_text, tap, until
from wiring.assembly import Assembly

ID_NUMBER = "310104198506121230"


def kiosk(assembly: Assembly) -> KioskApp:
    return KioskApp(assembly.api, sync_in_background=False)


async def test_two_hot_keys_in_one_burst_take_the_first(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        first = app.api.catalog.hot(6)[0]
        await pilot.press("1", "2")  # within one frame: the second finds the session moved on
        await on_screen(pilot, IdentifyScreen)
        assert app.session.item == first
        assert app.is_running and assembly.api.ui_faults == 0


async def test_two_taps_on_two_hot_items_in_one_frame(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        first, second = list(app.screen.query("#hot Button").results(Button))[:2]
        first.press()
        second.press()
        await on_screen(pilot, IdentifyScreen)
        assert app.session.item is not None and f"hot-{app.session.item.id}" == first.id
        assert app.is_running and assembly.api.ui_faults == 0


async def test_an_error_in_a_screen_goes_back_home_without_personal_data(
        assembly: Assembly, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def broken(catalog: Catalog, item_id: str) -> None:
        raise RuntimeError(f"张伟 {ID_NUMBER}")  # what a careless message could carry

    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        home = app.screen
        monkeypatch.setattr(Catalog, "get", broken)
        with caplog.at_level(logging.INFO):
            await pilot.press("1")
            await until(lambda: isinstance(app.screen, HomeScreen) and app.screen is not home)
        assert app.is_running
        assert "开始办理" in screen_text(app)  # a usable home screen, not a traceback
    assert assembly.api.ui_faults == 1
    assert "unexpected RuntimeError at test_faults.py" in caplog.text
    assert "back to the home screen" in caplog.text
    assert ID_NUMBER not in caplog.text and "张伟" not in caplog.text
    assert not app.return_code  # None or 0: it did not fail
    assembly.api.ui_faults = 0  # expected here: the fixture checks no other test had one


async def test_a_failed_worker_of_a_screen_goes_back_home(
        assembly: Assembly, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """Found by the monkey test: Textual reports a worker's error from the app's own
    context, so a device read failing in a screen's worker stopped the whole kiosk (and
    the log said "at ?"). The app's loop is whole: home, and the place logged."""
    def broken(api: KioskApi, timeout: float) -> str | None:
        raise FileNotFoundError(ID_NUMBER)

    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        monkeypatch.setattr(KioskApi, "read_qr", broken)
        with caplog.at_level(logging.INFO):
            await tap(pilot, "#lookup")  # its QR worker reads the camera at once
            await until(lambda: assembly.api.ui_faults == 1)
            await on_screen(pilot, HomeScreen)
        monkeypatch.undo()
        assert app.is_running and not app.return_code
        assert "开始办理" in screen_text(app)
    assert "unexpected FileNotFoundError at test_faults.py" in caplog.text
    assert "back to the home screen" in caplog.text and ID_NUMBER not in caplog.text
    assembly.api.ui_faults = 0


async def test_a_reset_in_the_frame_a_step_screen_is_shown(assembly: Assembly) -> None:
    """Found by the monkey test: the done screen was switched to (the submission came
    back) and the session reset (idle timeout, F12) before it composed; it then read
    the wiped session and raised. A screen now takes what it shows when it is made."""
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await apply_to_done(app, pilot, "marriage-record-proof", 0, stop_at=ConfirmScreen)
        submission = app.api.submit()
        app.advance(app.session.submitted, submission)  # the done screen, not composed yet
        app.reset_session()  # and the timeout in the same frame
        await on_screen(pilot, HomeScreen)
        assert "开始办理" in screen_text(app)
        await pilot.press("1")  # the next visitor starts as usual
        await on_screen(pilot, IdentifyScreen)
    assert assembly.api.ui_faults == 0


class BrokenApp(KioskApp):
    CSS_PATH = str(Path(screens.app.__file__).with_name("kiosk.tcss"))  # not beside this file

    printed: list[str] = []

    def on_sync_finished(self, message: SyncFinished) -> None:
        raise RuntimeError(ID_NUMBER)

    def _print_error_renderables(self) -> None:
        self.printed = [str(r) for r in self._exit_renderables]  # what reaches the terminal
        super()._print_error_renderables()


async def test_an_error_in_the_apps_own_loop_stops_with_status_1(assembly: Assembly) -> None:
    app = BrokenApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        app.post_message(SyncFinished(assembly.api.sync_once(),
                                      assembly.store.outbox.summary()))
        await until(lambda: not app.is_running)
    assert app.return_code == 1
    rendered = "".join(app.printed)
    assert ID_NUMBER not in rendered and "本机暂停服务" in rendered
    assembly.api.ui_faults = 0


async def test_a_choice_made_as_the_session_resets_is_no_fault(assembly: Assembly) -> None:
    """Found by the monkey test: the form's last choice, arriving in the frame the session
    was reset, looked for the item in the session (an AssertionError, a UI fault)."""
    from textual.widgets import RadioButton, RadioSet

    from screens.form import FormScreen

    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await apply_to_done(app, pilot, "marriage-record-proof", 0, stop_at=FormScreen)
        form = app.screen
        assembly.api.reset_session()  # the idle timeout, before the screen is replaced
        radio = form.query_one("#field-purpose", RadioSet)
        radio.query(RadioButton).first().value = True
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)  # the move is ignored, nothing breaks
    assert assembly.api.ui_faults == 0
