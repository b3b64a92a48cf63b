"""The devices the kiosk owns, handed to the core as one object.

Every change of a device's status is logged once, here, whichever thread noticed it
(a read, a print, the periodic probe): the technician's trace of unplugs and faults.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from devices.cabinet import LockBoards, MockCabinet
from devices.idcard import IdCardReader, MockCardReader
from devices.printer import MockPrinterDevice, SlipPrinter
from devices.qr import MockCamera, QrScanner
from devices.status import DeviceStatus, Level

log = logging.getLogger(__package__)


@dataclass
class MockDevices:
    """The mock devices behind the real drivers, for field tests (None: a real device)."""

    idcard: MockCardReader | None = None
    qr: MockCamera | None = None
    printer: MockPrinterDevice | None = None
    cabinet: MockCabinet | None = None


@dataclass
class DeviceHub:
    idcard: IdCardReader
    qr: QrScanner
    printer: SlipPrinter
    mocks: MockDevices | None = None
    cabinet: LockBoards | None = None  # None: this kiosk has no pickup cabinet
    _logged: dict[str, DeviceStatus] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def statuses(self) -> dict[str, DeviceStatus]:
        """Last known status of each device (no I/O: safe on the UI thread)."""
        current = {
            "idcard": self.idcard.status(),
            "qr": self.qr.status(),
            "printer": self.printer.status(),
        }
        if self.cabinet is not None:
            current["cabinet"] = self.cabinet.status()
        self._log_changes(current)
        return current

    def _log_changes(self, current: dict[str, DeviceStatus]) -> None:
        with self._lock:
            for name, status in current.items():
                if self._logged.get(name) == status:
                    continue
                self._logged[name] = status
                level = logging.INFO if status.level is Level.OK else logging.WARNING
                log.log(level, "%s: %s %s%s", name, status.level, status.code,
                        f" ({status.detail})" if status.detail else "")

    def check(self) -> dict[str, DeviceStatus]:
        """Probe the devices that can be probed (blocking: call from a worker)."""
        self.idcard.check()
        self.qr.check()
        self.printer.check()
        if self.cabinet is not None:
            self.cabinet.check()
        return self.statuses()

    def close(self) -> None:
        for device in (self.idcard, self.qr, self.printer, self.cabinet):
            if device is not None:
                device.close()
        if self.mocks is not None:
            for mock in (self.mocks.idcard, self.mocks.printer, self.mocks.cabinet):
                if mock is not None:
                    mock.close()
