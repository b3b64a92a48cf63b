"""请取回身份证: a line shown while the card read last still lies on the reader, so the
next person cannot pick it up unnoticed. The reader says when the card leaves; the
line watches it only while there is a card to remind of."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import work
from textual.widgets import Static
from textual.worker import get_current_worker

if TYPE_CHECKING:
    from screens.app import KioskApp

# How long a reader poll blocks before the worker looks for cancellation.
POLL_S = 0.1


class CardReminder(Static):
    def __init__(self) -> None:
        super().__init__("", id="card-reminder")

    @property
    def kiosk(self) -> KioskApp:
        return cast("KioskApp", self.app)

    def on_mount(self) -> None:
        holding = self.kiosk.api.card_left_on_reader()
        self.show(holding)
        if holding:
            self.watch_reader()

    def show(self, holding: bool) -> None:
        self.update(self.kiosk.t("done.take_card") if holding else "")
        self.display = holding

    @work(thread=True, exclusive=True, group="card-reminder")
    def watch_reader(self) -> None:
        worker, api = get_current_worker(), self.kiosk.api
        while not worker.is_cancelled and not api.wait_for_card_removal(timeout=POLL_S):
            pass
        if not worker.is_cancelled:
            self.app.call_from_thread(self.show, False)
