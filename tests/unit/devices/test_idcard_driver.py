"""The real driver against the pty mock reader, fault by fault: every fault ends in a
clear event or status, never an exception and never a hang."""

from __future__ import annotations

import os
import pty
import select
import termios
import threading
import time
import tty
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import serial

from devices.idcard import (
    CardProblem,
    CardRead,
    CardRemoved,
    CardType,
    CommandDecoder,
    MockCardReader,
    ReaderEvent,
    Remedy,
    SerialIdCardReader,
    build_response,
    load_deck,
)
from devices.idcard.frames import Command, CommandFrame
from devices.serialport import PathPort, UsbPort
from devices.status import Level
from wiring.config import DEMO_DECK

DECK = load_deck(DEMO_DECK)
ZHANG, LI, WANG = 0, 1, 2  # demo deck: Shanghai resident, elder with appended address, Nanjing


@pytest.fixture
def mock(tmp_path: Path) -> Iterator[MockCardReader]:
    reader = MockCardReader(DECK, tmp_path / "idcard", pace=False).start()
    yield reader
    reader.close()


@pytest.fixture
def driver(mock: MockCardReader) -> Iterator[SerialIdCardReader]:
    reader = SerialIdCardReader(PathPort(mock.port), timeout_s=0.5, command_timeout_s=0.3,
                                reconnect_s=0.1)
    yield reader
    reader.close()


def next_event(driver: SerialIdCardReader, within: float = 5.0) -> ReaderEvent:
    """Poll as the identify screen's worker does until something happens."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        event = driver.read(timeout=0.1)
        if event is not None:
            return event
    raise AssertionError("no event from the reader")


def wait_status(driver: SerialIdCardReader, check: Callable[[], bool], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, f"status stayed {driver.status()}"
        assert driver.read(timeout=0.05) is None


def test_connects_and_reads_the_sam_id(driver: SerialIdCardReader) -> None:
    assert driver.check().level is Level.OK
    assert driver.sam_id == "05.01-20240315-1234567890-0987654321"


def test_a_placed_card_is_read_once_until_it_leaves(mock: MockCardReader,
                                                    driver: SerialIdCardReader) -> None:
    assert driver.read(timeout=0.2) is None  # nothing on the reader
    mock.place(ZHANG)
    event = next_event(driver)
    assert isinstance(event, CardRead)
    assert event.holder == DECK[ZHANG].holder
    assert event.photo == DECK[ZHANG].record.photo and len(event.photo) == 1024
    assert driver.read(timeout=0.3) is None  # still on the field: not read again
    mock.remove()
    assert isinstance(next_event(driver), CardRemoved)  # said once, when it leaves
    assert driver.read(timeout=0.2) is None
    mock.place(ZHANG)
    assert isinstance(next_event(driver), CardRead)


def test_waiting_for_removal_leaves_the_next_card_for_the_reader(
        mock: MockCardReader, driver: SerialIdCardReader) -> None:
    # The done screen's reminder waits for the last card to go while the next person
    # already puts theirs down: the reminder must not read it away from the identify
    # screen (CI lost the next visitor's card this way when both polled the reader).
    mock.place(ZHANG)
    assert isinstance(next_event(driver), CardRead)
    assert driver.wait_for_removal(timeout=0.2) is False  # still there
    mock.place(WANG)  # swapped in one move
    assert driver.wait_for_removal(timeout=5.0) is True
    assert driver.wait_for_removal(timeout=0.3) is True  # and WANG's card is not read
    event = next_event(driver)
    assert isinstance(event, CardRead) and event.holder == DECK[WANG].holder


class _CountingReader(MockCardReader):
    """The mock reader, counting the commands it answers by name."""

    def __init__(self, link: Path) -> None:
        super().__init__(DECK, link, pace=False)
        self.commands: Counter[str] = Counter()

    def _answer(self, command: CommandFrame) -> bytes:
        self.commands[Command((command.cmd, command.para)).name] += 1
        return super()._answer(command)


@pytest.mark.parametrize("holding", [False, True], ids=["finding", "presence"])
def test_the_line_rests_between_polls_across_reads(tmp_path: Path, holding: bool) -> None:
    # A worker calls read() in a loop with short timeouts; the rest between two commands
    # must hold across calls, or the reader gets finds back to back (it did at every
    # call's end before). A held card is asked for at the slower presence pace.
    reader = _CountingReader(tmp_path / "idcard").start()
    driver = SerialIdCardReader(PathPort(reader.port), poll_s=0.05, presence_s=0.1)
    try:
        assert driver.check().level is Level.OK  # connected: the SAM commands are done
        if holding:
            reader.place(ZHANG)
            assert isinstance(next_event(driver), CardRead)
        reader.commands.clear()
        started = time.monotonic()
        while time.monotonic() - started < 0.5:
            assert driver.read(timeout=0.01) is None
        name, rest = ("READ_APPENDED_ADDRESS", 0.1) if holding else ("FIND_CARD", 0.05)
        assert 1 <= reader.commands[name] <= 0.5 / rest + 1
        assert set(reader.commands) == {name}
    finally:
        driver.close()
        reader.close()


@pytest.mark.parametrize("index", range(len(DECK)))
def test_every_card_in_the_deck_reads_back_exactly(mock: MockCardReader,
                                                   driver: SerialIdCardReader, index: int) -> None:
    mock.place(index)
    event = next_event(driver)
    assert isinstance(event, CardRead)
    assert event.holder == DECK[index].holder


def test_every_card_type_is_in_the_demo_deck() -> None:
    assert {card.holder.card_type for card in DECK} == set(CardType)


def test_appended_address_is_read_after_the_text(mock: MockCardReader,
                                                 driver: SerialIdCardReader) -> None:
    mock.place(LI)
    event = next_event(driver)
    assert isinstance(event, CardRead)
    assert event.holder.appended_address == "上海市徐汇区宛平南路300弄2号"
    assert event.holder.current_address == "上海市徐汇区宛平南路300弄2号"
    assert event.holder.address == "上海市黄浦区南京东路100弄5号"


def test_fingerprint_read(tmp_path: Path) -> None:
    from devices.idcard.deck import make_card

    card = make_card({"name": "赵敏", "sex": "2", "nation": "01", "birth": "19880101",
                      "address": "上海市", "id_number": "310104198801010026",
                      "authority": "上海", "valid_from": "20200101", "valid_until": "20400101",
                      "fingerprint": True})
    mock = MockCardReader([card, DECK[ZHANG]], tmp_path / "fp", pace=False).start()
    driver = SerialIdCardReader(PathPort(mock.port), fingerprint=True)
    try:
        mock.place(0)
        event = next_event(driver)
        assert isinstance(event, CardRead) and len(event.fingerprint) == 1024
        mock.remove()
        mock.place(1)  # a card without fingerprints answers a zero length
        assert isinstance(next_event(driver), CardRemoved)  # the first card left
        event = next_event(driver)
        assert isinstance(event, CardRead) and event.fingerprint == b""
    finally:
        driver.close()
        mock.close()


def test_a_corrupted_read_asks_to_replace_the_card(mock: MockCardReader,
                                                   driver: SerialIdCardReader) -> None:
    mock.corrupt_next_read()
    mock.place(ZHANG)
    event = next_event(driver)
    assert isinstance(event, CardProblem)
    assert event == CardProblem(Remedy.REPLACE_CARD, "bad_frame", event.detail)
    assert "checksum" in event.detail
    mock.remove()
    mock.place(ZHANG)  # lifted and laid down again
    assert isinstance(next_event(driver), CardRead)


def test_a_truncated_read_times_out_and_asks_to_replace_the_card(
        mock: MockCardReader, driver: SerialIdCardReader) -> None:
    mock.truncate_next_read()
    mock.place(WANG)
    event = next_event(driver)  # within its deadline: a cut-short answer never hangs the driver
    assert isinstance(event, CardProblem) and event.cause == "no_answer"
    assert event.remedy is Remedy.REPLACE_CARD
    mock.remove()
    mock.place(WANG)
    assert isinstance(next_event(driver), CardRead)


@pytest.mark.parametrize(("status", "remedy", "cause"), [
    (0x41, Remedy.REPLACE_CARD, "read_failed"),
    (0x31, Remedy.REPLACE_CARD, "card_auth_failed"),
    (0x32, Remedy.REPLACE_CARD, "sam_auth_failed"),
    (0x33, Remedy.REPLACE_CARD, "verify_failed"),
    (0x47, Remedy.REPLACE_CARD, "random_failed"),
    (0x40, Remedy.OTHER_CARD, "wrong_card"),
    (0x21, Remedy.READER_FAULT, "bad_command"),
    (0x5A, Remedy.READER_FAULT, "unknown_5a"),
])
def test_a_refused_read_says_what_to_do_then_the_card_reads(
        mock: MockCardReader, driver: SerialIdCardReader, status: int, remedy: Remedy,
        cause: str) -> None:
    mock.fail_next_read(status)
    mock.place(ZHANG)
    event = next_event(driver)
    assert isinstance(event, CardProblem)
    assert (event.remedy, event.cause) == (remedy, cause)
    assert f"{status:#04x}" in event.detail
    # The card was not read, so it is found again and read without being lifted.
    assert isinstance(next_event(driver), CardRead)


@pytest.mark.parametrize("status", [0x21, 0x60, 0x5A])
def test_a_reader_fault_during_a_read_stays_in_the_status(
        mock: MockCardReader, driver: SerialIdCardReader, status: int) -> None:
    mock.fail_next_read(status)
    mock.place(ZHANG)
    event = next_event(driver)
    assert isinstance(event, CardProblem) and event.remedy is Remedy.READER_FAULT
    assert (driver.status().level, driver.status().code) == (Level.FAULT, "sam_fault")


class _NoisyReader:
    """A raw pty peer answering find with crafted bytes: noise around a good answer."""

    def __init__(self, tmp_path: Path, answer: bytes) -> None:
        self.master, self.slave = pty.openpty()
        tty.setraw(self.slave)
        self.link = tmp_path / "noisy"
        self.link.symlink_to(os.ttyname(self.slave))
        self.answer = answer
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        decoder = CommandDecoder()
        while self.running:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            for command in decoder.feed(os.read(self.master, 4096)):
                if (command.cmd, command.para) == (0x20, 0x01):
                    os.write(self.master, self.answer)
                else:
                    os.write(self.master, build_response(0x90))

    def close(self) -> None:
        self.running = False
        self.thread.join(timeout=2)
        os.close(self.master)
        os.close(self.slave)


NO_CARD_ANSWER = build_response(0x80)


@pytest.mark.parametrize("answer", [
    NO_CARD_ANSWER + b"\x13\x37 line noise",  # trailing noise
    b"\x00\xff\xaa\x96 noise" + NO_CARD_ANSWER,  # leading noise
    # a believable length, then the answer
    bytes.fromhex("AAAAAA9669 0010 000080") + NO_CARD_ANSWER,
    NO_CARD_ANSWER[:-1] + b"\x00" + NO_CARD_ANSWER,  # a garbled copy, then a good one
], ids=["trailing", "leading", "false-preamble", "bad-checksum-first"])
def test_the_driver_finds_the_answer_in_noise(tmp_path: Path, answer: bytes) -> None:
    reader = _NoisyReader(tmp_path, answer)
    driver = SerialIdCardReader(PathPort(str(reader.link)), command_timeout_s=0.5)
    try:
        for _ in range(5):
            assert driver.read(timeout=0.05) is None
        assert driver.status().level is Level.OK
    finally:
        driver.close()
        reader.close()


def test_a_slow_reader_still_reads(mock: MockCardReader) -> None:
    driver = SerialIdCardReader(PathPort(mock.port), timeout_s=3.0, command_timeout_s=1.5)
    mock.set_delay(0.2)  # well under every timeout
    mock.place(ZHANG)
    assert isinstance(next_event(driver, within=15), CardRead)
    assert driver.status().level is Level.OK
    driver.close()


def test_a_reader_too_slow_to_answer_becomes_a_fault_and_recovers(
        mock: MockCardReader, driver: SerialIdCardReader) -> None:
    # Beyond the 0.3 s command timeout, and long enough that three commands in a row go
    # unanswered: the mock answers in turn, so with 0.6 s its late answers land in every
    # other command's window on a busy machine and the reader never counts three misses.
    mock.set_delay(1.5)
    wait_status(driver, lambda: driver.status().code == "not_responding")
    wait_status(driver, lambda: driver.status().level is Level.FAULT)
    mock.set_delay(0)
    wait_status(driver, lambda: driver.status().level is Level.OK)
    mock.place(ZHANG)
    assert isinstance(next_event(driver), CardRead)


@pytest.mark.parametrize("status", [0x60, 0x66])
def test_sam_failure_is_a_reader_fault_until_it_clears(
        mock: MockCardReader, driver: SerialIdCardReader, status: int) -> None:
    mock.set_sam_failure(status)
    mock.place(ZHANG)
    wait_status(driver, lambda: driver.status().code == "sam_fault")
    assert driver.status().level is Level.FAULT
    assert driver.check().code == "sam_fault"
    mock.set_sam_failure(None)
    assert isinstance(next_event(driver), CardRead)
    assert driver.status().level is Level.OK


def test_unplug_and_replug_by_path(mock: MockCardReader, driver: SerialIdCardReader) -> None:
    assert driver.check().level is Level.OK
    mock.unplug()
    wait_status(driver, lambda: driver.status().code == "unplugged")
    assert driver.status().level is Level.FAULT
    for _ in range(5):  # stays quiet while unplugged (pytest-timeout catches a hang)
        assert driver.read(timeout=0.1) is None
    mock.replug()
    wait_status(driver, lambda: driver.status().level is Level.OK)
    mock.place(ZHANG)
    assert isinstance(next_event(driver), CardRead)


def test_unplug_in_the_middle_of_a_read(tmp_path: Path) -> None:
    mock = MockCardReader(DECK, tmp_path / "paced", pace=True).start()  # 112 ms on the wire
    driver = SerialIdCardReader(PathPort(mock.port), reconnect_s=0.1)
    events: list[ReaderEvent] = []
    running = threading.Event()
    running.set()

    def poll() -> None:  # the identify screen's worker
        while running.is_set():
            if (event := driver.read(timeout=0.1)) is not None:
                events.append(event)

    poller = threading.Thread(target=poll, daemon=True)
    try:
        assert driver.check().level is Level.OK
        poller.start()
        mock.set_delay(0.3)
        mock.place(ZHANG)
        deadline = time.monotonic() + 10
        while not mock.state().card_read:  # the read answer is on its way now
            assert time.monotonic() < deadline
            time.sleep(0.005)
        mock.unplug()
        while driver.status().code != "unplugged":
            assert time.monotonic() < deadline and poller.is_alive()
            time.sleep(0.01)
        assert not any(isinstance(e, CardRead) for e in events)
        mock.set_delay(0)
        mock.replug()
        mock.place(ZHANG)
        while not any(isinstance(e, CardRead) for e in events):
            assert time.monotonic() < deadline and poller.is_alive()
            time.sleep(0.01)
    finally:
        running.clear()
        poller.join(timeout=5)
        driver.close()
        mock.close()


def test_reconnects_by_usb_ids_when_the_device_comes_back_under_another_name(
        mock: MockCardReader, tmp_path: Path) -> None:
    # The tty's name as udev gives it, one per plug-in: ttyUSB0, then ttyUSB1. (Named
    # here, not left to the pty numbers, which a parallel test may hand back unchanged.)
    plugs = [0]

    def list_ports() -> list[SimpleNamespace]:
        if not mock.link.exists():
            return []
        name = tmp_path / f"ttyUSB{plugs[0]}"
        if not name.is_symlink():
            name.symlink_to(os.readlink(mock.link))
        return [SimpleNamespace(vid=0x0403, pid=0x6001, serial_number="OTHER", device="/dev/null"),
                SimpleNamespace(vid=0x1A86, pid=0x7523, serial_number="READER1",
                                device=str(name))]

    locator = UsbPort(0x1A86, 0x7523, "READER1", list_ports=list_ports)
    driver = SerialIdCardReader(locator, reconnect_s=0.1)
    try:
        assert driver.check().level is Level.OK
        first_tty = locator.locate()
        mock.unplug()
        wait_status(driver, lambda: driver.status().code == "unplugged")
        assert "1a86:7523:READER1" in driver.status().detail
        plugs[0] += 1
        mock.replug()
        wait_status(driver, lambda: driver.status().level is Level.OK)
        assert locator.locate() != first_tty
        mock.place(ZHANG)
        assert isinstance(next_event(driver), CardRead)
    finally:
        driver.close()


def test_usb_id_spec_parsing() -> None:
    assert UsbPort.parse("1a86:7523") == UsbPort(0x1A86, 0x7523)
    assert UsbPort.parse("1A86:7523:A50285BI") == UsbPort(0x1A86, 0x7523, "A50285BI")
    for bad in ("1a86", "zz:7523"):
        with pytest.raises(ValueError):
            UsbPort.parse(bad)


def test_a_device_that_never_answers_is_not_responding(tmp_path: Path) -> None:
    master, slave = pty.openpty()
    link = tmp_path / "silent"
    link.symlink_to(os.ttyname(slave))
    driver = SerialIdCardReader(PathPort(str(link)), command_timeout_s=0.1, reconnect_s=0.1)
    try:
        for _ in range(4):
            assert driver.read(timeout=0.05) is None
        assert driver.status() .code == "not_responding"
        assert driver.status().level is Level.FAULT
    finally:
        driver.close()
        os.close(master)
        os.close(slave)


def test_a_missing_port_is_unplugged_not_a_crash(tmp_path: Path) -> None:
    driver = SerialIdCardReader(PathPort(str(tmp_path / "nothing")), reconnect_s=0.05)
    assert driver.read(timeout=0.2) is None
    assert driver.status().code == "unplugged" and driver.status().level is Level.FAULT
    # Staff see codes they can read in their language, and the port and errno as is.
    assert driver.status().cause == "open_failed"
    assert driver.status().where == f"{tmp_path / 'nothing'} ENOENT"


class _DyingSerial:
    """Stands in for pyserial on a device that vanishes: each call raises as Linux does."""

    def __init__(self, error: BaseException) -> None:
        self.error = error
        self.in_waiting = 0

    def reset_input_buffer(self) -> None:
        raise self.error

    def close(self) -> None:
        raise self.error


@pytest.mark.parametrize("error", [serial.SerialException("device reports readiness"),
                                   OSError(5, "Input/output error"),
                                   termios.error(5, "Input/output error")])
def test_every_kind_of_unplug_error_is_survived(error: BaseException) -> None:
    opened: list[int] = []

    def factory(*args: object, **kwargs: object) -> _DyingSerial:
        opened.append(1)
        return _DyingSerial(error)

    driver = SerialIdCardReader(PathPort("/dev/ttyFAKE"), factory=factory, reconnect_s=0.05)
    for _ in range(3):
        assert driver.read(timeout=0.1) is None
    assert driver.status().code == "unplugged"
    assert len(opened) >= 2  # it keeps trying to reconnect


@pytest.mark.parametrize("error", [serial.SerialException("could not open port"),
                                   termios.error(25, "Inappropriate ioctl for device")])
def test_an_open_that_fails_is_unplugged(error: BaseException) -> None:
    def factory(*args: object, **kwargs: object) -> None:
        raise error

    driver = SerialIdCardReader(PathPort("/dev/ttyFAKE"), factory=factory)
    assert driver.check().code == "unplugged"
