"""What every screen shares: the kiosk API, the translator and the status bar."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Button

from kiosk.api import KioskApi
from kiosk.i18n import Translator
from screens.status_bar import StatusBar

if TYPE_CHECKING:
    from screens.app import KioskApp


# Escape goes one step back where there is a step back, else home: on every screen.
ESCAPE_TARGETS = ("#back", "#skip", "#home", "#staff-cancel", "#staff-leave")


class KioskScreen(Screen[None]):
    BINDINGS = [Binding("escape", "escape", show=False, id="screen.escape")]

    def action_escape(self) -> None:
        for selector in ESCAPE_TARGETS:
            for button in self.query(selector).results(Button):
                if not button.disabled:
                    button.press()
                    return

    @property
    def kiosk(self) -> KioskApp:
        return cast("KioskApp", self.app)

    @property
    def api(self) -> KioskApi:
        return self.kiosk.api

    @property
    def t(self) -> Translator:
        return self.kiosk.t

    def compose_status(self) -> ComposeResult:
        yield StatusBar()


class StaffArea(KioskScreen):
    """A staff screen: reached with the staff PIN, closed by the idle timeout like any other."""
