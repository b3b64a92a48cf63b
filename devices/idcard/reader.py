"""The ID card reader as the rest of the kiosk sees it."""

from __future__ import annotations

from typing import Protocol

from devices.idcard.driver import ReaderEvent
from devices.status import DeviceStatus


class IdCardReader(Protocol):
    def read(self, timeout: float) -> ReaderEvent | None:
        """Block up to ``timeout`` seconds for a card (a read in progress is finished).

        Returns each card once: it must leave the field before it is read again.
        """

    def holding_card(self) -> bool:
        """Whether the card read last may still lie on the reader (until ``read`` has
        reported it gone)."""

    def wait_for_removal(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds for the card read last to leave (True once
        none is held); never reads a new card."""

    def status(self) -> DeviceStatus: ...

    def check(self) -> DeviceStatus:
        """Probe the device between reads (reconnects a replugged reader)."""

    def close(self) -> None: ...
