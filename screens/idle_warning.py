"""'Are you still there?': shown before the idle reset; any key or tap extends."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Button, Digits, Static

from kiosk.i18n import Translator

if TYPE_CHECKING:
    from screens.app import KioskApp


class IdleWarning(ModalScreen[None]):
    seconds_left: reactive[int] = reactive(30)

    def __init__(self, seconds_left: int) -> None:
        super().__init__()
        self.set_reactive(IdleWarning.seconds_left, seconds_left)

    @property
    def t(self) -> Translator:
        return cast("KioskApp", self.app).t

    def compose(self) -> ComposeResult:
        with Vertical(id="idle-box"):
            yield Static(self.t("idle.title"), classes="title")
            yield Digits(str(self.seconds_left), id="countdown")
            yield Static(self.t("idle.body"), id="idle-body")
            yield Button(self.t("idle.extend"), id="extend", variant="success", classes="big")

    def on_mount(self) -> None:
        # Read aloud (the screen beneath stops speaking; closing the warning silences it).
        cast("KioskApp", self.app).api.speak_screen("speech.screen.idle_warning", self.t.lang)

    def watch_seconds_left(self, seconds: int) -> None:
        # The next tick may come before the warning has composed: then there is nothing
        # to update yet, and compose shows the new value.
        for countdown in self.query("#countdown").results(Digits):
            countdown.update(str(seconds))
