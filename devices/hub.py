"""The devices the kiosk owns, handed to the app as one object."""

from __future__ import annotations

from dataclasses import dataclass

from pathlib import Path

from devices.idcard import CardData, IdCardReader, MockIdCardReader
from devices.printer import MockPrinter, SlipPrinter
from devices.qr import MockQrScanner, QrScanner
from devices.status import DeviceStatus


@dataclass
class Simulator:
    """Field-test controls, present only when devices are mocked."""

    idcard: MockIdCardReader
    qr: MockQrScanner
    printer: MockPrinter


@dataclass
class DeviceHub:
    idcard: IdCardReader
    qr: QrScanner
    printer: SlipPrinter
    simulator: Simulator | None = None

    def statuses(self) -> dict[str, DeviceStatus]:
        return {
            "idcard": self.idcard.status(),
            "qr": self.qr.status(),
            "printer": self.printer.status(),
        }

    def close(self) -> None:
        for device in (self.idcard, self.qr, self.printer):
            device.close()

    @classmethod
    def mocked(cls, deck: list[CardData], jobs_dir: Path, paper_mm: int = 80) -> DeviceHub:
        sim = Simulator(MockIdCardReader(deck), MockQrScanner(), MockPrinter(jobs_dir, paper_mm))
        return cls(sim.idcard, sim.qr, sim.printer, simulator=sim)
