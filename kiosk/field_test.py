"""Field-test controls for the mocked devices: place a demo card, hold up a code, inject
faults. The wiring builds one only when a device is mocked; screens mount their
field-test widgets only when it exists, so a branch kiosk never shows them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from contracts.clock import Clock
from contracts.eid import make_eid
from contracts.identity import mask_name
from devices.cabinet import Door, MockCabinet
from devices.hub import MockDevices
from devices.idcard import CardType, MockCardReader
from devices.printer import MockPrinterDevice
from devices.qr import MockCamera

log = logging.getLogger(__package__)

# A code the kiosk does not know: what a person might hold up by mistake.
UNRELATED_CODE = "https://example.com/not-a-kiosk-code"
PICKUP_KINDS = ("genuine", "altered", "forged", "expired")


class FieldTest:
    def __init__(self, mocks: MockDevices, clock: Clock,
                 pickup_codes: Callable[[datetime], dict[str, str]] | None = None,
                 demo_cases: Callable[[datetime], list[str]] | None = None) -> None:
        self._sim = mocks
        self._clock = clock
        # Demo pickup codes come from the embedded platform, which holds the signing key.
        self._pickup_codes = pickup_codes
        # Approved demo cases to load into the cabinet: the embedded platform makes them.
        self._demo_cases = demo_cases

    @property
    def reader(self) -> MockCardReader | None:
        return self._sim.idcard

    @property
    def printer(self) -> MockPrinterDevice | None:
        return self._sim.printer

    @property
    def camera(self) -> MockCamera | None:
        return self._sim.qr

    @property
    def cabinet(self) -> MockCabinet | None:
        return self._sim.cabinet

    @property
    def can_add_demo_cases(self) -> bool:
        return self._demo_cases is not None

    def add_demo_cases(self) -> list[str]:
        """*Blocking* (the embedded platform's database): the approved demo cases made
        now, to load into the cabinet (none: they wait already)."""
        if self._demo_cases is None:
            return []
        made = self._demo_cases(self._clock.now())
        log.info("field test: %d demo case(s) made", len(made))
        return made

    def close_doors(self) -> int:
        """Push every open door of the mock cabinet shut (as a person would); how many."""
        if self.cabinet is None:
            return 0
        doors = self.cabinet.state().open_doors
        for door in doors:
            self.cabinet.push_closed(door)
        log.info("field test: %d cabinet door(s) pushed shut", len(doors))
        return len(doors)

    def jam_doors(self, on: bool) -> None:
        """Every lock of the mock cabinet stuck (or freed): the next door will not open."""
        if self.cabinet is None:
            return
        state = self.cabinet.state()
        for board in range(1, state.boards + 1):
            for lock in range(1, state.doors + 1):
                self.cabinet.jam(Door(board, lock), on)
        log.info("field test: cabinet locks %s", "jammed" if on else "freed")

    def leave_next_door_open(self) -> None:
        """The next door opened stays open (the mock's own closing is held off)."""
        if self.cabinet is not None:
            self.cabinet.leave_open_next()
            log.info("field test: the next cabinet door will be left open")

    def card_labels(self) -> list[str]:
        """One masked label per demo card, in deck order (nothing unmasked on screen)."""
        if self.reader is None:
            return []
        return [mask_name(card.holder.display_name) for card in self.reader.deck]

    def place_card(self, index: int) -> None:
        if self.reader is not None:
            self.reader.place(index)
            log.info("field test: demo card %d placed", index)

    def remove_card(self) -> None:
        if self.reader is not None:
            self.reader.remove()

    def show_eid(self) -> None:
        """The e-ID code of the deck's first resident card, held up to the camera."""
        if self.camera is None or self.reader is None:
            return
        holder = next(c.holder for c in self.reader.deck if c.holder.card_type is CardType.RESIDENT)
        self.camera.show(make_eid(holder.display_name, holder.id_number))

    def show_unrelated_code(self) -> None:
        if self.camera is not None:
            self.camera.show(UNRELATED_CODE)

    @property
    def can_show_pickup_codes(self) -> bool:
        return self.camera is not None and self._pickup_codes is not None

    def show_pickup_code(self, kind: str) -> None:
        if self.camera is None or self._pickup_codes is None:
            return
        codes = self._pickup_codes(self._clock.now().astimezone())
        self.camera.show(codes[kind])
