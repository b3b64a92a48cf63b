"""Submitted: the decision, the reference number, and the pickup slip printing.

The app prints (and pauses the idle countdown meanwhile); this screen shows the result.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from devices.status import DeviceStatus
from kiosk.decision import Outcome
from screens.base import KioskScreen
from screens.card_reminder import CardReminder


class DoneScreen(KioskScreen):
    def compose(self) -> ComposeResult:
        t, session = self.t, self.kiosk.session
        sub = session.submission
        assert sub is not None
        outcome = sub.decision.outcome
        with Vertical(id="done"):
            yield Static(t(f"done.title_{outcome}"), classes=f"title outcome-{outcome}")
            if outcome is Outcome.REFUSED:
                yield Static(t("done.reason", reason=sub.decision.reason(t.lang)), id="reason")
            yield Static(t("done.reference_label"), classes="label")
            yield Static(sub.reference, id="reference")
            if sub.offline:
                yield Static(t("done.offline"), id="offline-note")
            yield Static(t("done.printing"), id="print-status")
            yield CardReminder()
            with Horizontal(classes="nav-row"):
                yield Button(t("done.to_rating"), id="to-rating", variant="success", classes="big")
                yield Button(t("common.home"), id="home", classes="nav")
        yield from self.compose_status()

    def on_mount(self) -> None:
        self.kiosk.print_slip(self.api.application_slip(self.t))
        self.query_one("#to-rating", Button).focus()

    def show_print_result(self, problem: DeviceStatus | None) -> None:
        status = self.query_one("#print-status", Static)
        if problem is None:
            status.update(self.t("done.printed"))
        else:
            status.update(self.t("done.print_failed", problem=self.t(f"device.{problem.code}")))
            status.add_class("problem")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "to-rating":
            self.kiosk.advance(self.kiosk.session.to_rating)
        elif event.button.id == "home":
            self.kiosk.reset_session()
