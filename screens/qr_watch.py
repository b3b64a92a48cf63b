"""Screens that listen to the QR scanner: a thread worker posts each code as a message,
and the core (kiosk.scanned_codes) says what it is."""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.message import Message
from textual.worker import get_current_worker

from contracts.errors import CodeError
from kiosk.scanned_codes import ScannedCode
from screens.base import KioskScreen

# How long a device read blocks before the worker checks for cancellation.
POLL_S = 0.1


@dataclass
class QrRead(Message):
    payload: str


class QrScreen(KioskScreen):
    """Listens only while on top: a screen pushed over it (the cabinet screen over the
    staff screen) takes the codes, and no code goes to a screen nobody sees."""

    def on_mount(self) -> None:
        self.watch_qr_scanner()

    def on_screen_suspend(self) -> None:
        self.workers.cancel_group(self, "qr")

    def on_screen_resume(self) -> None:
        self.watch_qr_scanner()  # exclusive: never two watchers for one screen

    @work(thread=True, exclusive=True, group="qr")
    def watch_qr_scanner(self) -> None:
        worker = get_current_worker()
        api = self.api
        while not worker.is_cancelled:
            payload = api.read_qr(timeout=POLL_S)
            if payload is not None:
                self.post_message(QrRead(payload))

    def read_code(self, payload: str) -> ScannedCode | CodeError:
        return self.api.read_code(payload)
