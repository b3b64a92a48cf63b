"""The pickup cabinet's lock boards (锁控板): the interface the core uses (``doors``), the
protocol codec, the pyserial driver, a faithful mock on a pty and its console."""

from devices.cabinet.codec import (
    BoardAnswer,
    CodecError,
    Command,
    CommandDecoder,
    Feedback,
    LockAnswer,
    LockProtocol,
    XorBoardFamily,
)
from devices.cabinet.doors import CabinetFault, Door, DoorOpening, DoorState, LockBoards
from devices.cabinet.driver import SerialLockBoards
from devices.cabinet.mock_cabinet import MockCabinet, MockCabinetState
from devices.cabinet.try_door import TryOutcome, cabinet_locator, try_door

__all__ = [
    "BoardAnswer", "CabinetFault", "CodecError", "Command", "CommandDecoder", "Door",
    "DoorOpening", "DoorState", "Feedback", "LockAnswer", "LockBoards", "LockProtocol",
    "MockCabinet", "MockCabinetState", "SerialLockBoards", "TryOutcome", "XorBoardFamily",
    "cabinet_locator", "try_door",
]
