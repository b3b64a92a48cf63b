"""The staff screen: every device's state with the detail staff need, and, when the
ID card reader is mocked, the field-test controls that drive it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Static

from devices.idcard import SerialIdCardReader
from screens.base import StaffArea
from screens.idcard_test_panel import IdCardTestPanel
from screens.status_bar import SYMBOLS


class StaffScreen(StaffArea):
    def compose(self) -> ComposeResult:
        t = self.t
        hub = self.kiosk.services.hub
        with VerticalScroll(id="staff"):
            yield Static(t("staff.title"), classes="title")
            yield Static("", id="device-table")
            if hub.simulator is not None and hub.simulator.idcard is not None:
                yield IdCardTestPanel(hub.simulator.idcard, id="idcard-panel")
            with Horizontal(classes="nav-row"):
                yield Button(t("staff.leave"), id="staff-leave", classes="nav")
        yield from self.compose_status()

    def on_mount(self) -> None:
        self.refresh_devices()
        self.set_interval(0.5, self.refresh_devices)

    def refresh_devices(self) -> None:
        t = self.t
        hub = self.kiosk.services.hub
        lines = []
        for name, status in hub.statuses().items():
            line = f"{SYMBOLS[status.level]} {t('device.' + name)}：{t('device.' + status.code)}"
            if status.detail:
                line += f"  ({status.detail})"
            lines.append(line)
        if isinstance(hub.idcard, SerialIdCardReader):
            reader = hub.idcard
            lines.append(t("staff.idcard_port", port=reader.locator.describe(),
                           sam=reader.sam_id or "-"))
        self.query_one("#device-table", Static).update("\n".join(lines))
        for panel in self.query(IdCardTestPanel):
            panel.refresh_state()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "staff-leave":
            self.kiosk.reset_session()
