"""The QR scanner as the rest of the kiosk sees it: text payloads, one per code shown."""

from __future__ import annotations

from typing import Protocol

from devices.status import DeviceStatus


class QrScanner(Protocol):
    def read(self, timeout: float) -> str | None:
        """Block up to ``timeout`` seconds for the next code; None when none was shown."""

    def status(self) -> DeviceStatus: ...

    def check(self) -> DeviceStatus:
        """Probe between reads (reconnects a replugged scanner)."""

    def close(self) -> None: ...
