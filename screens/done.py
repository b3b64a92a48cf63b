"""Submitted: the decision, the reference number, and the pickup slip printing.

The app prints (and pauses the idle countdown meanwhile); this screen shows the result.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from devices.status import DeviceStatus
from kiosk.decision import Outcome
from kiosk.session import Session, Submission
from screens.base import KioskScreen
from screens.card_reminder import CardReminder
from screens.rating import level_buttons


class DoneScreen(KioskScreen):
    AUTO_FOCUS = ""  # nothing for a stray Enter to press until rating is offered
    BINDINGS = [
        Binding(str(n), f"level({n})", show=False, id=f"done.level{n}") for n in range(1, 6)
    ]

    def compose(self) -> ComposeResult:
        t, sub = self.t, self.submission
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
            # Rating is one tap (or its number key) here: no extra step to reach it.
            yield Static(t("done.rate_prompt"), classes="label")
            with Horizontal(id="levels"):
                yield from level_buttons(t)
            with Horizontal(classes="nav-row"):
                yield Button(t("common.home"), id="home", classes="nav")
        yield from self.compose_status()

    def __init__(self, session: Session) -> None:
        super().__init__()
        # Taken when the screen is made, not when it composes (see IdentifyScreen).
        assert session.submission is not None
        self.submission: Submission = session.submission
        self.printed = False  # the job is over (printed or failed: either way it is said)
        self.shown_long_enough = False

    def on_mount(self) -> None:
        if self.app.screen is not self:
            return  # replaced before it was shown (a reset in the same frame): nothing to print
        # Rating waits until the slip is out and the reference has been on screen a while:
        # Enters typed on the confirm screen land on nothing here.
        for button in self.query(".level").results(Button):
            button.disabled = True
        self.kiosk.print_slip(self.api.application_slip(self.t))
        self.set_timer(self.api.settings.done_min_s, self.shown)

    def speak_on_show(self) -> None:
        sub = self.submission
        outcome = sub.decision.outcome
        self.speak_result(f"done.title_{outcome}")
        if outcome is Outcome.REFUSED:
            self.speak_result("done.reason", reason=sub.decision.reason(self.t.lang))
        self.speak_result("speech.reference", reference=sub.reference)

    def action_level(self, level: int) -> None:
        button = self.query_one(f"#rate-{level}", Button)
        if not button.disabled:  # not before the slip is out and the number has been seen
            button.press()

    def shown(self) -> None:
        self.shown_long_enough = True
        self.offer_rating()

    def offer_rating(self) -> None:
        if self.printed and self.shown_long_enough:
            for button in self.query(".level").results(Button):
                button.disabled = False
            self.query_one("#rate-5", Button).focus()

    def show_print_result(self, problem: DeviceStatus | None) -> None:
        self.printed = True
        self.offer_rating()
        status = self.query_one("#print-status", Static)
        if problem is None:
            status.update(self.t("done.printed"))
            self.speak_result("done.printed")
        else:
            device = self.t(f"device.{problem.code}")
            status.update(self.t("done.print_failed", problem=device))
            status.add_class("problem")
            self.speak_result("done.print_failed", problem=device)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        if button_id.startswith("rate-"):
            self.kiosk.rate(int(button_id.removeprefix("rate-")))
        elif button_id == "home":
            self.kiosk.reset_session()
