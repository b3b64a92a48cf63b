"""Network, queue and device state along the bottom of every screen.

It reads the app's state once a second rather than watching app reactives:
a watcher would outlive the screen (the Header leak, textual#6666).
Each state is a word and a symbol, never colour alone.

Its bottom-right corner is the staff's way in on a kiosk without a keyboard: held
``staff.long_press_s`` (3 s) and let go, it opens the staff PIN pad as F12 does. It is
unlabeled and looks like the rest of the bar: citizens have no reason to hold it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Static

from devices.status import Level

if TYPE_CHECKING:
    from screens.app import KioskApp

SYMBOLS = {Level.OK: "●", Level.WARNING: "▲", Level.FAULT: "✖"}


class StaffCorner(Widget):
    """The unlabeled corner: a press held long enough opens the staff PIN pad; a tap is
    nothing. The press is timed by the core on the kiosk's clock."""

    def render(self) -> str:
        return ""  # unlabeled: the bar looks the same with or without it

    def on_mouse_down(self, event: events.MouseDown) -> None:
        event.stop()
        self.capture_mouse()  # the release comes here even if the finger slid off
        cast("KioskApp", self.app).api.staff_corner.press()

    def on_mouse_up(self, event: events.MouseUp) -> None:
        event.stop()
        self.release_mouse()
        app = cast("KioskApp", self.app)
        if app.api.staff_corner.release():
            app.action_staff()


class StatusBar(Horizontal):
    def __init__(self) -> None:
        super().__init__()
        # Held, not queried: a screen replaced before it mounted has no children to find.
        self.text = Static(id="status-text")

    def compose(self) -> ComposeResult:
        yield self.text
        yield StaffCorner(id="staff-corner")

    def on_mount(self) -> None:
        self.refresh_status()
        self.set_interval(1.0, self.refresh_status)

    def refresh_status(self) -> None:
        app = cast("KioskApp", self.app)
        t, api = app.t, app.api
        online = api.sync_status.online
        if online is None:
            net = t("status.net_unknown")
        elif online:
            net = t("status.net_online")
        else:
            net = t("status.net_offline")
        parts = [net]
        if (queue := api.sync_status.queue) is not None:
            parts.append(t("status.queue", count=queue.pending))
            if queue.last_success:
                parts.append(t("status.last_sync", time=queue.last_success[11:16]))
            if api.clock_drift_exceeds(queue):
                parts.append(t("status.clock"))  # for staff: the details are on their screen
        for name, status in api.device_statuses().items():
            parts.append(f"{SYMBOLS[status.level]} {t('device.' + name)} "
                         f"{t('device.' + status.code)}")
        if faults := api.cabinet_faults():  # for staff passing by: the details are theirs
            parts.append(t("status.cabinet_faults", count=faults))
        self.set_class(online is False, "-offline")
        self.text.update("   ".join(parts))
