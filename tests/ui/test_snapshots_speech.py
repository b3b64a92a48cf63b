"""SVG snapshots of the home screen with spoken prompts turned on by its toggle, at
120x40, in Chinese and in English (off, and on in elder mode, are the home screen's own
snapshots in test_snapshots.py). Review the report
(`pytest tests/ui/test_snapshots_speech.py`) before `--snapshot-update`."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Button

from contracts.clock import FakeClock
from screens.app import KioskApp
from tests.support.kiosk_driver import tap, until
from tests.support.snapshots import steps_in_mode
from wiring.assembly import Assembly
from wiring.config import KioskConfig


@pytest.fixture
def config(config: KioskConfig) -> KioskConfig:
    config.speech.kind = "mock"
    return config


async def _read_aloud_on(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    app = pilot.app
    assert isinstance(app, KioskApp)
    await tap(pilot, "#speech-toggle")
    await until(lambda: str(app.screen.query_one("#speech-toggle", Button).label)
                == app.t("speech.toggle_on"))


@pytest.mark.parametrize("mode", ["zh", "en"])
def test_home_with_read_aloud_on(mode: str, assembly: Assembly, clock: FakeClock,
                                 snap_compare) -> None:
    app = KioskApp(assembly.api, sync_in_background=False)
    run_before = steps_in_mode(app, mode, _read_aloud_on, assembly, clock)
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
