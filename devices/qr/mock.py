"""An in-process mock scanner: a field tester 'shows' payloads to it."""

from __future__ import annotations

import queue

from devices.status import DeviceStatus


class MockQrScanner:
    def __init__(self) -> None:
        self._shown: queue.Queue[str] = queue.Queue()

    def show(self, payload: str) -> None:
        self._shown.put(payload)

    def read(self, timeout: float) -> str | None:
        try:
            return self._shown.get(timeout=timeout)
        except queue.Empty:
            return None

    def status(self) -> DeviceStatus:
        return DeviceStatus.ready()

    def close(self) -> None:
        while not self._shown.empty():
            self._shown.get_nowait()
