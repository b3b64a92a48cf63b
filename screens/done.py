"""Submitted: the decision, the reference number, and the pickup slip printing.

The idle countdown is paused while the slip prints.
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Static

from devices.printer import PrintError, Slip, render_slip
from devices.status import DeviceStatus
from kiosk.decision import Outcome
from kiosk.slips import application_slip
from screens.base import KioskScreen


class PrintFinished(Message):
    def __init__(self, problem: DeviceStatus | None) -> None:
        super().__init__()
        self.problem = problem


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
            with Horizontal(classes="nav-row"):
                yield Button(t("done.to_rating"), id="to-rating", variant="success", classes="big")
        yield from self.compose_status()

    def on_mount(self) -> None:
        kiosk = self.kiosk
        slip = application_slip(
            kiosk.session, kiosk.t, kiosk.t.pick(kiosk.services.config.kiosk.branch_zh,
                                                 kiosk.services.config.kiosk.branch_en),
            kiosk.services.clock.now(),
        )
        kiosk.idle.pause()
        self.print_slip(slip)
        self.query_one("#to-rating", Button).focus()

    @work(thread=True, exclusive=True, group="print")
    def print_slip(self, slip: Slip) -> None:
        printer = self.kiosk.services.hub.printer
        try:
            printer.print_job(render_slip(slip, printer.paper_mm))
        except PrintError as exc:
            self.post_message(PrintFinished(exc.status))
            return
        self.post_message(PrintFinished(None))

    def on_print_finished(self, message: PrintFinished) -> None:
        self.kiosk.idle.resume()
        status = self.query_one("#print-status", Static)
        if message.problem is None:
            status.update(self.t("done.printed"))
        else:
            problem = self.t(f"device.{message.problem.code}")
            status.update(self.t("done.print_failed", problem=problem))
            status.add_class("problem")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "to-rating":
            self.kiosk.session.to_rating()
            self.kiosk.show_step()
