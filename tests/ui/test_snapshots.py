"""SVG snapshots at a fixed terminal size: review the report before --snapshot-update."""

from __future__ import annotations

from screens.app import KioskApp
from wiring.assembly import Assembly


def test_home_screen(assembly: Assembly, snap_compare) -> None:
    app = KioskApp(assembly.api, sync_in_background=False)
    assert snap_compare(app, terminal_size=(120, 40))


def test_home_screen_elder_mode(assembly: Assembly, snap_compare) -> None:
    app = KioskApp(assembly.api, sync_in_background=False)

    async def elder(pilot) -> None:
        await pilot.click("#elder-toggle")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=elder)
