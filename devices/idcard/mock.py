"""An in-process mock reader holding a deck of cards a field tester places and removes."""

from __future__ import annotations

import threading

from devices.idcard.card import CardData
from devices.status import DeviceStatus


class MockIdCardReader:
    def __init__(self, deck: list[CardData]) -> None:
        self.deck = deck
        self._cond = threading.Condition()
        self._on_field: CardData | None = None
        self._already_read = False

    # -- field tester's controls -------------------------------------------
    def place(self, index: int = 0) -> CardData:
        with self._cond:
            self._on_field = self.deck[index]
            self._already_read = False
            self._cond.notify_all()
            return self._on_field

    def remove(self) -> None:
        with self._cond:
            self._on_field = None
            self._already_read = False

    # -- reader interface --------------------------------------------------
    def read(self, timeout: float) -> CardData | None:
        with self._cond:
            ready = self._cond.wait_for(
                lambda: self._on_field is not None and not self._already_read, timeout
            )
            if not ready:
                return None
            self._already_read = True
            return self._on_field

    def status(self) -> DeviceStatus:
        return DeviceStatus.ready()

    def close(self) -> None:
        self.remove()
