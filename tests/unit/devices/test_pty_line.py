"""The line every mock serial device sits on, and the console loop every mock's console
runs: plugging in, unplugging, replugging, pacing, and the loop's own verbs."""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import serial

from devices.console_loop import Console, help_text
from devices.pty_line import PtyLine, incoming, wire_time_s, write_paced
from tests.support.waiting import wait_for


class Echo:
    """A device that answers every read with the same bytes, paced at 9600 baud."""

    def __init__(self) -> None:
        self.served: list[int] = []  # the master fd of every serve thread started

    def __call__(self, master: int, stop: threading.Event) -> None:
        self.served.append(master)
        for chunk in incoming(master, stop):
            write_paced(master, chunk, stop, baudrate=9600)


@pytest.fixture
def line(tmp_path: Path) -> Iterator[tuple[PtyLine, Echo]]:
    echo = Echo()
    pty_line = PtyLine(tmp_path / "ttyMOCK", echo, name="echo")
    pty_line.plug_in()
    yield pty_line, echo
    pty_line.unplug()


def exchange(port: str, data: bytes) -> bytes:
    with serial.Serial(port, 9600, timeout=2) as host:
        host.write(data)
        return bytes(host.read(len(data)))


def test_a_driver_talks_through_the_link(line: tuple[PtyLine, Echo]) -> None:
    pty_line, _ = line
    assert pty_line.plugged and Path(pty_line.port).is_symlink()
    assert os.readlink(pty_line.port).startswith("/dev/pts/")
    assert exchange(pty_line.port, b"\x8a\x01\x01\x11\x9b") == b"\x8a\x01\x01\x11\x9b"


def test_unplug_removes_the_link_and_replug_brings_a_new_tty(
        line: tuple[PtyLine, Echo]) -> None:
    pty_line, echo = line
    pty_line.unplug()
    assert not pty_line.plugged and not Path(pty_line.port).exists()
    pty_line.unplug()  # twice is harmless
    pty_line.replug()
    wait_for(lambda: len(echo.served) == 2)  # a fresh pty, a fresh serve thread
    assert pty_line.plugged and Path(pty_line.port).is_symlink()
    assert exchange(pty_line.port, b"again") == b"again"


def test_plugging_in_twice_keeps_the_one_line(line: tuple[PtyLine, Echo]) -> None:
    pty_line, echo = line
    tty_name = os.readlink(pty_line.port)
    wait_for(lambda: len(echo.served) == 1)
    pty_line.plug_in()
    assert os.readlink(pty_line.port) == tty_name
    assert exchange(pty_line.port, b"one") == b"one"
    assert len(echo.served) == 1


def test_a_line_without_a_serve_loop_only_talks(tmp_path: Path) -> None:
    pty_line = PtyLine(tmp_path / "scanner")
    pty_line.plug_in()
    try:
        with serial.Serial(pty_line.port, 9600, timeout=2) as host:
            os.write(pty_line.master, b"code\r\n")
            assert host.readline() == b"code\r\n"
    finally:
        pty_line.unplug()
    with pytest.raises(AssertionError):
        _ = pty_line.master


def test_write_paced_takes_the_wire_time() -> None:
    data = bytes(range(96))  # 100 ms at 9600 baud
    read_fd, write_fd = os.pipe()
    try:
        started = time.monotonic()
        write_paced(write_fd, data, threading.Event(), baudrate=9600, step=32)
        took = time.monotonic() - started
        assert os.read(read_fd, 1024) == data
    finally:
        os.close(read_fd)
        os.close(write_fd)
    assert took >= wire_time_s(len(data), 9600) * 0.99


def test_write_paced_stops_when_told() -> None:
    read_fd, write_fd = os.pipe()
    stop = threading.Event()
    stop.set()
    try:
        write_paced(write_fd, b"never sent", stop, baudrate=9600)
        os.set_blocking(read_fd, False)
        with pytest.raises(BlockingIOError):
            os.read(read_fd, 16)
    finally:
        os.close(read_fd)
        os.close(write_fd)


def test_wire_time_is_ten_bits_a_byte() -> None:
    assert wire_time_s(960, 9600) == pytest.approx(1.0)
    assert wire_time_s(0, 115200) == 0.0


class Counter:
    """The state line of a console under test."""

    def __init__(self) -> None:
        self.count = 0

    def add(self, args: Sequence[str]) -> str | None:
        self.count += int(args[0])
        return None


def counter_console(counter: Counter) -> Console:
    return Console("counter; type help", help=help_text("Title.\n\n  add N | quit\n"),
                   describe=lambda: f"count {counter.count}",
                   verbs={"add": counter.add, "hello": lambda args: "hi"})


def test_the_console_loop() -> None:
    counter = Counter()
    console = counter_console(counter)
    assert console.run_command("add 2") == "count 2"
    assert console.run_command("ADD 1") == "count 3"
    assert console.run_command("hello") == "hi"
    assert console.run_command("state") == "count 3"
    assert console.run_command("help") == "add N | quit"
    assert console.run_command("   ") == ""
    assert console.run_command("add") == "error: add needs an argument (try help)"
    assert (console.run_command("add x") or "").startswith("error: add: invalid literal")
    assert console.run_command("nope") == "error: unknown command 'nope' (try help)"
    assert console.run_command("exit") is None


def test_the_console_prints_banner_state_and_replies_until_quit() -> None:
    out = io.StringIO()
    counter_console(Counter()).run(["add 4", "", "quit", "add 1"], out)
    assert out.getvalue().splitlines() == ["counter; type help", "count 0", "count 4"]
