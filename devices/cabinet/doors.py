"""The pickup cabinet's lock boards as the rest of the kiosk sees them.

A cabinet is one serial line (RS-485, or RS-232/TTL through an adapter) carrying one or
more lock boards (锁控板), each at its own address, each driving a number of locks; a
door sensor per compartment tells open from closed. The core knows compartments by
number, size and position (its layout); it asks the boards for a ``Door``: a board
address and a lock channel on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from devices.status import DeviceStatus


@dataclass(frozen=True, order=True, slots=True)
class Door:
    board: int  # the board's address on the line (set by its DIP switches)
    lock: int  # the channel on that board, from 1

    def __str__(self) -> str:
        return f"{self.board}:{self.lock}"


class DoorState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class DoorOpening:
    """What the board answered to an open command: ``opened`` False is a door that
    stayed shut (jammed lock, goods pressing on it), reported by the board itself."""

    door: Door
    opened: bool
    state: DoorState  # the door sensor right after the command


class CabinetFault(Exception):
    """The boards could not be asked: no answer, a corrupt answer, the line gone.

    ``cause`` is a ``devices.status.Cause`` value; ``where`` a technical place (port,
    board address); the message is English detail for the technician's log."""

    def __init__(self, message: str, cause: str, where: str = "") -> None:
        super().__init__(message)
        self.cause = cause
        self.where = where


class LockBoards(Protocol):
    """Every call blocks (serial I/O): call from a worker. Thread-safe: one exchange on
    the line at a time."""

    def open_door(self, door: Door) -> DoorOpening:
        """Pulse the lock and report what the board saw; CabinetFault when the board
        did not answer properly (a command whose answer was lost may have opened it:
        read the door state before trying again)."""

    def door_state(self, door: Door) -> DoorState:
        """The door sensor of one compartment; CabinetFault as for ``open_door``."""

    def door_states(self, board: int) -> dict[int, DoorState]:
        """Every lock channel of one board in one exchange: lock -> state."""

    def status(self) -> DeviceStatus:
        """Last known status (no I/O)."""

    def check(self) -> DeviceStatus:
        """Probe every board (reconnects a replugged adapter)."""

    def close(self) -> None: ...
