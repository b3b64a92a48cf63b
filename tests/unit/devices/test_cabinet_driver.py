"""The real lock-board driver against the pty mock cabinet, fault by fault: every fault
ends in a CabinetFault with its cause and place, or an honest DoorOpening, and a status
staff can read; never another exception, never a hang."""

from __future__ import annotations

import os
import pty
import select
import threading
import tty
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devices.cabinet import (
    CabinetFault,
    Door,
    DoorOpening,
    DoorState,
    Feedback,
    LockBoards,
    MockCabinet,
    SerialLockBoards,
    XorBoardFamily,
)
from devices.serialport import PathPort
from devices.status import Cause, Level
from tests.support.waiting import wait_for

OPEN, CLOSED = DoorState.OPEN, DoorState.CLOSED


def fast(locks: dict[int, int], port: str) -> SerialLockBoards:
    """A driver with short timeouts: the mock answers at once."""
    return SerialLockBoards(PathPort(port), locks, answer_timeout_s=0.2, quiet_s=0.05,
                            reconnect_s=0.05)


class Clock:
    """The mock's clock for auto-close, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def mock(tmp_path: Path, clock: Clock) -> Iterator[MockCabinet]:
    cabinet = MockCabinet(tmp_path / "cabinet", boards=2, doors=12, pace=False,
                          monotonic=clock).start()
    yield cabinet
    cabinet.close()


@pytest.fixture
def driver(mock: MockCabinet) -> Iterator[SerialLockBoards]:
    boards = fast({1: 12, 2: 12}, mock.port)
    yield boards
    boards.close()


def fault_of(call: Callable[[], object]) -> CabinetFault:
    with pytest.raises(CabinetFault) as caught:
        call()
    return caught.value


def test_it_is_a_lock_boards(driver: SerialLockBoards) -> None:
    boards: LockBoards = driver  # mypy checks the Protocol
    assert boards.status().code == "connecting"
    assert boards.check().code == "ready"


def test_a_door_opens_and_closes_when_pushed(mock: MockCabinet,
                                             driver: SerialLockBoards) -> None:
    assert driver.open_door(Door(1, 3)) == DoorOpening(Door(1, 3), True, OPEN)
    assert driver.door_state(Door(1, 3)) is OPEN
    states = driver.door_states(1)
    assert states == {lock: OPEN if lock == 3 else CLOSED for lock in range(1, 13)}
    mock.push_closed(Door(1, 3))
    assert driver.door_state(Door(1, 3)) is CLOSED
    assert driver.status().code == "ready"


def test_boards_on_one_line_are_told_apart(mock: MockCabinet,
                                           driver: SerialLockBoards) -> None:
    assert driver.open_door(Door(2, 12)).opened
    assert driver.door_states(1) == dict.fromkeys(range(1, 13), CLOSED)
    assert driver.door_states(2)[12] is OPEN
    assert mock.state().open_doors == (Door(2, 12),)


def test_a_jammed_door_is_reported_not_opened_by_its_sensor(mock: MockCabinet,
                                                            driver: SerialLockBoards) -> None:
    mock.jam(Door(1, 5))
    assert driver.open_door(Door(1, 5)) == DoorOpening(Door(1, 5), False, CLOSED)
    assert driver.status().code == "ready"  # the boards are fine; the door is not
    mock.jam(Door(1, 5), on=False)
    assert driver.open_door(Door(1, 5)).opened


def test_doors_close_by_themselves_unless_left_open(tmp_path: Path, clock: Clock) -> None:
    mock = MockCabinet(tmp_path / "demo", doors=4, pace=False, auto_close_s=5.0,
                       monotonic=clock).start()
    driver = fast({1: 4}, mock.port)
    try:
        assert driver.open_door(Door(1, 1)).opened
        mock.leave_open_next()
        assert driver.open_door(Door(1, 2)).opened
        clock.now += 5.0
        assert driver.door_states(1) == {1: CLOSED, 2: OPEN, 3: CLOSED, 4: CLOSED}
        mock.push_closed(Door(1, 2))
        assert driver.door_state(Door(1, 2)) is CLOSED
    finally:
        driver.close()
        mock.close()


def test_a_silent_board_is_no_answer_and_the_others_still_work(
        mock: MockCabinet, driver: SerialLockBoards) -> None:
    mock.silence(2)
    fault = fault_of(lambda: driver.door_state(Door(2, 1)))
    assert (fault.cause, fault.where) == (Cause.NO_ANSWER, f"{mock.port} board 2")
    status = driver.status()
    assert (status.level, status.code, status.cause) == (Level.WARNING, "not_responding",
                                                         Cause.NO_ANSWER)
    assert status.where == f"{mock.port} board 2"
    assert driver.door_state(Door(1, 1)) is CLOSED  # board 1 answers; board 2 still counts
    assert driver.status().code == "not_responding"
    for _ in range(2):
        fault_of(lambda: driver.open_door(Door(2, 1)))
    assert driver.status().level is Level.FAULT  # three in a row
    assert mock.state().open_doors == ()  # a silent board opens nothing
    mock.silence(2, on=False)
    assert driver.check().code == "ready"


def test_a_garbled_answer_is_a_bad_frame_and_the_line_recovers(
        mock: MockCabinet, driver: SerialLockBoards) -> None:
    mock.garble_next()
    fault = fault_of(lambda: driver.door_states(1))
    assert fault.cause == Cause.BAD_FRAME
    assert driver.status().cause == Cause.BAD_FRAME
    assert driver.door_states(1) == dict.fromkeys(range(1, 13), CLOSED)
    assert driver.status().code == "ready"


def test_a_garbled_open_answer_is_a_fault_and_the_state_tells_what_happened(
        mock: MockCabinet, driver: SerialLockBoards) -> None:
    mock.garble_next()
    assert fault_of(lambda: driver.open_door(Door(1, 7))).cause == Cause.BAD_FRAME
    assert driver.door_state(Door(1, 7)) is OPEN  # the lock had released


def test_a_garbled_re_read_after_an_open_keeps_the_open_answer(
        mock: MockCabinet, driver: SerialLockBoards) -> None:
    # The open answered; the read after it was lost: the opening stands (the open's own
    # answer said the contact opened), and the status shows the line trouble.
    original = driver.family.encode_query

    def garble_then_query(door: Door) -> bytes:
        mock.garble_next()
        return original(door)

    driver.family.encode_query = garble_then_query  # type: ignore[method-assign]
    assert driver.open_door(Door(1, 8)) == DoorOpening(Door(1, 8), True, OPEN)
    assert driver.status().cause == Cause.BAD_FRAME


def test_unplug_and_replug(mock: MockCabinet, driver: SerialLockBoards) -> None:
    assert driver.check().code == "ready"
    mock.unplug()
    fault = fault_of(lambda: driver.open_door(Door(1, 1)))
    assert fault.cause in (Cause.LINE_LOST, Cause.OPEN_FAILED)
    assert driver.status().code == "unplugged"
    fault = fault_of(lambda: driver.door_state(Door(1, 1)))  # still gone: quickly, no hang
    assert fault.cause in (Cause.LINE_LOST, Cause.OPEN_FAILED)
    wait_for(lambda: driver.check().cause == Cause.OPEN_FAILED, timeout=5)
    assert driver.status().where.endswith("ENOENT")
    mock.replug()
    wait_for(lambda: driver.check().code == "ready", timeout=5)
    assert driver.open_door(Door(1, 1)).opened


def test_unplug_in_the_middle_of_a_command(tmp_path: Path) -> None:
    mock = MockCabinet(tmp_path / "mid", doors=4, pace=False).start()
    driver = SerialLockBoards(PathPort(mock.port), {1: 4}, answer_timeout_s=10.0,
                              quiet_s=0.05, reconnect_s=0.05)
    outcome: list[BaseException | DoorOpening] = []
    try:
        assert driver.check().code == "ready"
        mock.silence(1)  # the board takes the command and has not answered yet
        sent = mock.state().commands

        def open_door() -> None:
            try:
                outcome.append(driver.open_door(Door(1, 2)))
            except BaseException as exc:  # noqa: BLE001 - the test wants to see any
                outcome.append(exc)

        worker = threading.Thread(target=open_door)
        worker.start()
        wait_for(lambda: mock.state().commands > sent)
        mock.unplug()
        worker.join(timeout=5)  # well before the 10 s answer timeout
        assert not worker.is_alive()
        (fault,) = outcome
        assert isinstance(fault, CabinetFault) and fault.cause == Cause.LINE_LOST
        assert driver.status().code == "unplugged"
        mock.replug()
        mock.silence(1, on=False)
        wait_for(lambda: driver.check().code == "ready", timeout=5)
        assert driver.door_state(Door(1, 2)) is CLOSED  # the command never reached the lock
    finally:
        driver.close()
        mock.close()


def test_a_door_outside_the_layout_is_a_value_error(driver: SerialLockBoards) -> None:
    for door in (Door(3, 1), Door(1, 13), Door(1, 0)):
        with pytest.raises(ValueError):
            driver.open_door(door)
    with pytest.raises(ValueError):
        driver.door_states(3)
    with pytest.raises(ValueError):
        SerialLockBoards(PathPort("/dev/null"), {1: 25})  # 24 channels per board read
    with pytest.raises(ValueError):
        SerialLockBoards(PathPort("/dev/null"), {})


def test_close_says_closed(driver: SerialLockBoards) -> None:
    driver.check()
    driver.close()
    assert (driver.status().code, driver.status().cause) == ("unplugged", Cause.CLOSED)


def test_an_opening_at_line_speed(tmp_path: Path) -> None:
    mock = MockCabinet(tmp_path / "paced", doors=24).start()
    driver = SerialLockBoards(PathPort(mock.port), {1: 24})
    try:
        assert driver.open_door(Door(1, 24)) == DoorOpening(Door(1, 24), True, OPEN)
        assert driver.door_states(1)[24] is OPEN
    finally:
        driver.close()
        mock.close()


def test_locks_that_short_when_open(tmp_path: Path) -> None:
    family = XorBoardFamily(feedback=Feedback.OPEN_SHORTS)
    mock = MockCabinet(tmp_path / "other-locks", doors=4, pace=False, family=family).start()
    right = SerialLockBoards(PathPort(mock.port), {1: 4}, family=family)
    try:
        assert right.open_door(Door(1, 2)) == DoorOpening(Door(1, 2), True, OPEN)
        right.close()
        # Set up for the common locks, every door reads the wrong way round: what
        # cabinet-test shows at once (docs/cabinet.md).
        wrong = SerialLockBoards(PathPort(mock.port), {1: 4})
        assert wrong.door_states(1) == {1: OPEN, 2: CLOSED, 3: OPEN, 4: OPEN}
        wrong.close()
    finally:
        right.close()
        mock.close()


# -- a scripted board on a raw pty: noise and late answers --------------------------------
class ScriptedLine:
    """A pty peer that answers each 5-byte command with what ``reply`` returns."""

    def __init__(self, tmp_path: Path, reply: Callable[[bytes], list[tuple[float, bytes]]]
                 ) -> None:
        self.master, self.slave = pty.openpty()
        tty.setraw(self.slave)
        self.link = tmp_path / "scripted"
        self.link.symlink_to(os.ttyname(self.slave))
        self._reply = reply
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        buf = b""
        while not self._stop.is_set():
            if not select.select([self.master], [], [], 0.02)[0]:
                continue
            buf += os.read(self.master, 64)
            while len(buf) >= 5:
                command, buf = buf[:5], buf[5:]
                for delay, data in self._reply(command):
                    if self._stop.wait(delay):
                        return
                    os.write(self.master, data)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        os.close(self.master)
        os.close(self.slave)


def test_noise_before_the_answer_is_skipped(tmp_path: Path) -> None:
    family = XorBoardFamily()
    line = ScriptedLine(tmp_path, lambda command: [
        (0.0, b"\x00\xff\x13" + family.encode_lock_answer(0x80, Door(1, 1), OPEN))])
    driver = fast({1: 4}, str(line.link))
    try:
        assert driver.door_state(Door(1, 1)) is OPEN
    finally:
        driver.close()
        line.close()


def test_a_late_answer_is_not_taken_for_the_next_commands(tmp_path: Path) -> None:
    family = XorBoardFamily()
    asked: list[bytes] = []

    def reply(command: bytes) -> list[tuple[float, bytes]]:
        asked.append(command)
        if len(asked) == 1:  # the first answer comes after the driver gave up on it
            return [(0.3, family.encode_lock_answer(0x80, Door(1, 1), OPEN))]
        return [(0.0, family.encode_lock_answer(0x80, Door(1, 1), CLOSED))]

    line = ScriptedLine(tmp_path, reply)
    driver = SerialLockBoards(PathPort(str(line.link)), {1: 4}, answer_timeout_s=0.2,
                              quiet_s=0.2)
    try:
        assert fault_of(lambda: driver.door_state(Door(1, 1))).cause == Cause.NO_ANSWER
        assert driver.door_state(Door(1, 1)) is CLOSED
    finally:
        driver.close()
        line.close()
