"""Screens that listen to the QR scanner: a thread worker posts each code as a message,
and the core (kiosk.scanned_codes) says what it is."""

from __future__ import annotations

from textual import work
from textual.message import Message
from textual.worker import get_current_worker

from kiosk.codes import CodeError
from kiosk.scanned_codes import ScannedCode, read_code
from screens.base import KioskScreen

# How long a device read blocks before the worker checks for cancellation.
POLL_S = 0.1


class QrRead(Message):
    def __init__(self, payload: str) -> None:
        super().__init__()
        self.payload = payload


class QrScreen(KioskScreen):
    def on_mount(self) -> None:
        self.watch_qr_scanner()

    @work(thread=True, exclusive=True, group="qr")
    def watch_qr_scanner(self) -> None:
        worker = get_current_worker()
        scanner = self.kiosk.services.hub.qr
        while not worker.is_cancelled:
            payload = scanner.read(timeout=POLL_S)
            if payload is not None:
                self.post_message(QrRead(payload))

    def read_code(self, payload: str) -> ScannedCode | CodeError:
        services = self.kiosk.services
        try:
            return read_code(payload, now=services.clock.now(), keys=services.pickup_keys)
        except CodeError as exc:
            return exc
