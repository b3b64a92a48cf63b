"""The monkey test (issue 13, "Done means"): seeded random keys, taps, cards and codes
never end the kiosk, never show a traceback, and leave it on a usable screen.

A modest count here (the kiosk takes about 8 events a second on 2 cores: every tap that
changes focus repaints, every step composes a screen); ``bench/monkey.py`` is the long
run. Replay or lengthen with ``MONKEY_SEEDS=7,8 MONKEY_EVENTS=1000 pytest ...``.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

from textual.widgets import Button

from contracts.clock import FakeClock
from devices.printer.status import PrinterState
from screens.app import KioskApp
from screens.home import HomeScreen
from tests.support.kiosk_driver import mock_printer, on_screen, screen_text, until
from tests.support.monkey import KIOSK_SCREENS, Monkey
from wiring.assembly import assemble
from wiring.config import DEMO_CONFIG, load_config

SEEDS = [int(s) for s in os.environ.get("MONKEY_SEEDS", "1,2,3").split(",")]
EVENTS = int(os.environ.get("MONKEY_EVENTS", "160"))

# Every journey screen, both side journeys and the staff PIN pad.
MUST_VISIT = {"HomeScreen", "CatalogScreen", "IdentifyScreen", "FormScreen",
              "ConfirmScreen", "DoneScreen", "RatingScreen", "PickupScreen", "LookupScreen",
              "StaffLoginScreen"}


async def monkey_run(seed: int, data_dir: Path) -> set[str]:
    """One seed on a fresh kiosk: the screens it visited; asserts it survived."""
    config = load_config(DEMO_CONFIG, data_dir=data_dir)
    # The done screen's pause before rating is real time: shorter, the monkey rates more
    # often in the same count (tests/ui/test_done_screen.py keeps the 3 s).
    config.idle.done_min_s = 0.3
    clock = FakeClock()
    assembly = assemble(config, clock)
    try:
        app = KioskApp(assembly.api, sync_in_background=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await on_screen(pilot, HomeScreen)
            report = await Monkey(pilot, random.Random(seed), assembly, clock).run(EVENTS)
            seen = f"seed {seed}: {dict(report.visits)}; logged {report.faults}"

            assert not report.stopped and app.is_running and app.return_code is None, seen
            assert assembly.api.ui_faults == 0, seen
            assert report.tracebacks == 0, seen
            assert isinstance(app.screen, KIOSK_SCREENS), seen

            # Usable afterwards: Escape goes a step back, or home, on every screen (on an
            # idle warning it only extends), so a few bring back a home screen that starts.
            for _ in range(8):
                if isinstance(app.screen, HomeScreen):
                    break
                await pilot.press("escape")
                await pilot.pause()
            await on_screen(pilot, HomeScreen)
            # Staff's pauses the monkey made, and a printer it left without paper (which
            # pauses every service that prints), undone as staff would.
            for outage in assembly.api.outages():
                assembly.api.bring_back_into_service(outage.service)
            mock_printer(assembly).set_state(PrinterState.READY)
            app.check_devices()
            first = assembly.api.catalog.hot(1)[0].id
            await until(lambda: assembly.api.service_out(first) is None)
            await until(lambda: isinstance(app.screen, HomeScreen)
                        and bool(app.screen.query("#start"))
                        and not app.screen.query(f"#hot-{first}.-out"))
            start = app.screen.query_one("#start", Button)
            assert start.display and not start.disabled, seen
            await pilot.press("1")
            await until(lambda: not isinstance(app.screen, HomeScreen))
            assert "Traceback" not in screen_text(app)
            assert app.is_running and assembly.api.ui_faults == 0, seen
        return report.visited
    finally:
        assembly.close()


async def test_the_monkey_never_ends_the_kiosk(tmp_path: Path) -> None:
    visited: set[str] = set()
    for seed in SEEDS:
        visited |= await monkey_run(seed, tmp_path / f"seed-{seed}")
    # Every screen reachable: the seeds between them went everywhere.
    assert MUST_VISIT <= visited, f"not reached: {MUST_VISIT - visited}"
