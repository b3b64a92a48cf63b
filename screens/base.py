"""What every screen shares: the kiosk API, the translator and the status bar."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

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
    # The i18n key of the main prompt, read aloud when the screen shows and spoken
    # prompts are on (docs/speech.md); "" says nothing (and still silences the last one).
    prompt_key: ClassVar[str] = ""
    _prompted = False

    def on_screen_resume(self) -> None:
        """Shown: its prompt once, then what it shows from the start (``speak_on_show``).
        Shown again (an idle warning closed over it): the warning's words stop."""
        if self._prompted:
            self.api.speak_screen("", self.t.lang)
            return
        self._prompted = True
        self.api.speak_screen(self.prompt_key, self.t.lang)
        self.speak_on_show()

    def speak_on_show(self) -> None:
        """A result the screen shows from the start (the done screen's decision): said
        after its prompt."""

    def speak_result(self, key: str, **values: object) -> None:
        """A result that appeared on the screen, read aloud (when on) in its language."""
        self.api.speak_result(key, self.t.lang, **values)

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
