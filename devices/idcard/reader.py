"""The ID card reader as the rest of the kiosk sees it."""

from __future__ import annotations

from typing import Protocol

from devices.idcard.card import CardData
from devices.status import DeviceStatus


class IdCardReader(Protocol):
    def read(self, timeout: float) -> CardData | None:
        """Block up to ``timeout`` seconds for a card placed on the reader.

        Returns each card once: it must leave the field before it is read again.
        """

    def status(self) -> DeviceStatus: ...

    def close(self) -> None: ...
