"""What every SVG snapshot of a screen does: the home screen in the mode asked for
(Chinese, English, elder), the steps to the screen, then a settled picture (every mock
device answering and the status bar saying so)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.pilot import Pilot
from textual.widgets import Input

from contracts.clock import FakeClock
from devices.status import Level
from screens.app import KioskApp
from screens.home import HomeScreen
from screens.status_bar import StatusBar
from tests.support.kiosk_driver import on_screen, screen_text, tap, until
from wiring.assembly import Assembly

Steps = Callable[[Pilot[None], Assembly, FakeClock], Awaitable[None]]
MODES = ("zh", "en", "elder")


async def to_pickup(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    await tap(pilot, "#pickup")
    await until(lambda: bool(pilot.app.screen.query("#home")))


async def to_lookup(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    await tap(pilot, "#lookup")
    await until(lambda: bool(pilot.app.screen.query("#home")))


def steps_in_mode(app: KioskApp, mode: str, steps: Steps, assembly: Assembly,
                  clock: FakeClock) -> Callable[[Pilot[None]], Awaitable[None]]:
    """The ``run_before`` for ``snap_compare``."""

    async def run_before(pilot: Pilot[None]) -> None:
        await on_screen(pilot, HomeScreen)
        if mode == "en":
            app.set_language("en")
        elif mode == "elder":
            app.set_elder_mode(True)
        await until(lambda: bool(app.screen.query("#start")) and (
            mode != "en" or "Start" in screen_text(app)))
        await steps(pilot, assembly, clock)
        # The status bar as it settles: every mock device answering (a busy machine can
        # make a poll late, and the bar says so for a second)...
        await until(lambda: all(status.level is Level.OK
                                for status in app.api.device_statuses().values()))
        # ...and the bar showing it now, not at its next one-second refresh (the staff
        # screen's device table too: a line with a warning's cause wraps in elder mode).
        for bar in app.screen.query(StatusBar).results(StatusBar):
            bar.refresh_status()
        refresh_devices = getattr(app.screen, "refresh_devices", None)
        if callable(refresh_devices):
            refresh_devices()
        # A text box's cursor blinks on a timer: caught on or off by chance on a busy
        # machine. Stopped, it is drawn off.
        for box in app.screen.query(Input).results(Input):
            box.cursor_blink = False
        await pilot.pause()

    return run_before
