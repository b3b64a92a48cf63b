"""The slip printer as the rest of the kiosk sees it."""

from __future__ import annotations

from typing import Protocol

from devices.status import DeviceStatus


class PrintError(Exception):
    """The job may not have printed; ``status`` says why. The caller keeps the job."""

    def __init__(self, status: DeviceStatus) -> None:
        super().__init__(f"{status.code}: {status.detail}" if status.detail else status.code)
        self.status = status


class SlipPrinter(Protocol):
    paper_mm: int
    native_qr: bool  # False: the printer has no GS ( k; QR codes go as images

    def print_job(self, data: bytes) -> None:
        """Send one job; raises PrintError when the printer is not ready or fails."""

    def status(self) -> DeviceStatus: ...

    def check(self) -> DeviceStatus:
        """Ask the printer (between jobs; reconnects one that came back)."""

    def close(self) -> None: ...
