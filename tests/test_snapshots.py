"""SVG snapshots at a fixed terminal size: review the report before --snapshot-update."""

from __future__ import annotations

from kiosk.services import Services
from screens.app import KioskApp


def test_home_screen(services: Services, snap_compare) -> None:
    app = KioskApp(services, sync_in_background=False)
    assert snap_compare(app, terminal_size=(120, 40))


def test_home_screen_elder_mode(services: Services, snap_compare) -> None:
    app = KioskApp(services, sync_in_background=False)

    async def elder(pilot) -> None:
        await pilot.click("#elder-toggle")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=elder)
