"""The staff PIN pad. The citizen's session is wiped before it opens."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Static

from screens.base import StaffArea
from screens.keypad import Keypad
from screens.staff import StaffScreen


@dataclass
class PinChecked(Message):
    ok: bool


class StaffLoginScreen(StaffArea):
    def __init__(self) -> None:
        super().__init__()
        self.checking = False  # one PIN at a time: no guesses queued behind a slow check

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(id="staff-login"):
            yield Static(t("staff.login_title"), classes="title")
            yield Static(t("staff.pin_prompt"), classes="label")
            yield Input(id="pin", password=True, restrict=r"[0-9]*", max_length=12)
            yield Static("", id="pin-problem", classes="problem")
            yield Keypad(id="keypad")
            with Horizontal(classes="nav-row"):
                yield Button(t("staff.enter"), id="staff-enter", variant="success")
                yield Button(t("common.home"), id="staff-cancel", classes="nav")
        yield from self.compose_status()

    def on_mount(self) -> None:
        self.query_one("#pin", Input).focus()
        self.show_lock()

    def show_lock(self) -> bool:
        """While sign-in is locked: say until when, and take no PIN."""
        until = self.api.staff_locked_until()
        if until is None:
            return False
        self.query_one("#pin-problem", Static).update(
            self.t("staff.pin_locked", time=f"{until:%H:%M}"))
        self.query_one("#pin", Input).disabled = True
        self.query_one("#staff-enter", Button).disabled = True
        self.query_one("#staff-cancel", Button).focus()
        return True

    @on(Input.Submitted, "#pin")
    @on(Button.Pressed, "#staff-enter")
    def submit(self) -> None:
        if self.checking or self.show_lock():
            return
        pin = self.query_one("#pin", Input).value
        if not pin:  # nothing typed: not a guess, no attempt used
            self.query_one("#pin-problem", Static).update(self.t("staff.pin_empty"))
            return
        self.checking = True
        self.check_pin(pin)

    @on(Button.Pressed, "#staff-cancel")
    def cancel(self) -> None:
        self.kiosk.reset_session()

    @work(thread=True, exclusive=True, group="pin")
    def check_pin(self, pin: str) -> None:
        # PBKDF2 is slow on purpose: off the UI thread.
        self.post_message(PinChecked(self.api.check_staff_pin(pin)))

    def on_pin_checked(self, message: PinChecked) -> None:
        self.checking = False
        if self.app.screen is not self or self.api.staff_gate.locked():
            return  # left or locked meanwhile: a late answer opens nothing
        left = self.api.staff_gate.record(message.ok)
        if message.ok:
            self.app.switch_screen(StaffScreen())
            return
        pin = self.query_one("#pin", Input)
        pin.value = ""
        if left == 0:
            self.show_lock()
            return
        pin.focus()
        self.query_one("#pin-problem", Static).update(self.t("staff.pin_wrong", left=left))
