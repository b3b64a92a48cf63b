"""Network, queue and device state along the bottom of every screen.

It reads the app's state once a second rather than watching app reactives:
a watcher would outlive the screen (the Header leak, textual#6666).
Each state is a word and a symbol, never colour alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.widgets import Static

from devices.status import Level

if TYPE_CHECKING:
    from screens.app import KioskApp

SYMBOLS = {Level.OK: "●", Level.WARNING: "▲", Level.FAULT: "✖"}


class StatusBar(Static):
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
        self.set_class(online is False, "-offline")
        self.update("   ".join(parts))
