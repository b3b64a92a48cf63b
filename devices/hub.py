"""The devices the kiosk owns, handed to the app as one object."""

from __future__ import annotations

from dataclasses import dataclass

from devices.idcard import IdCardReader, MockCardReader
from devices.printer import MockPrinterDevice, SlipPrinter
from devices.qr import MockCamera, QrScanner
from devices.status import DeviceStatus


@dataclass
class MockDevices:
    """The mock devices behind the real drivers, for field tests (None: a real device)."""

    idcard: MockCardReader | None = None
    qr: MockCamera | None = None
    printer: MockPrinterDevice | None = None


@dataclass
class DeviceHub:
    idcard: IdCardReader
    qr: QrScanner
    printer: SlipPrinter
    mocks: MockDevices | None = None

    def statuses(self) -> dict[str, DeviceStatus]:
        """Last known status of each device (no I/O: safe on the UI thread)."""
        return {
            "idcard": self.idcard.status(),
            "qr": self.qr.status(),
            "printer": self.printer.status(),
        }

    def check(self) -> dict[str, DeviceStatus]:
        """Probe the devices that can be probed (blocking: call from a worker)."""
        self.idcard.check()
        self.qr.check()
        self.printer.check()
        return self.statuses()

    def close(self) -> None:
        for device in (self.idcard, self.qr, self.printer):
            device.close()
        if self.mocks is not None:
            for mock in (self.mocks.idcard, self.mocks.printer):
                if mock is not None:
                    mock.close()
