"""What every screen shares: the kiosk API, the translator and the status bar."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.screen import Screen

from kiosk.api import KioskApi
from kiosk.i18n import Translator
from screens.status_bar import StatusBar

if TYPE_CHECKING:
    from screens.app import KioskApp


class KioskScreen(Screen[None]):
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
