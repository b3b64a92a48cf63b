"""The mock reader's console, in process and as `main.py mock-reader` driven over stdin
while the real driver reads from it in this process."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.idcard import CardRead, MockCardReader, SerialIdCardReader, load_deck
from devices.idcard.mock_console import run_command
from devices.serialport import PathPort
from devices.status import Level
from tests.support import REPO_ROOT
from wiring.config import DEMO_DECK


@pytest.fixture
def mock(tmp_path: Path) -> Iterator[MockCardReader]:
    reader = MockCardReader(load_deck(DEMO_DECK), tmp_path / "reader", pace=False).start()
    yield reader
    reader.close()


def reply(mock: MockCardReader, line: str) -> str:
    """The console's reply to a line that is not ``quit``."""
    text = run_command(mock, line)
    assert text is not None
    return text


def test_console_commands(mock: MockCardReader) -> None:
    assert run_command(mock, "place 2") == (
        "plugged in | card: Shanghai resident, 76 (elder), moved: appended address")
    assert "armed: corrupt" in reply(mock, "corrupt")
    assert "armed: corrupt, truncate" in reply(mock, "truncate")
    assert "armed: corrupt, truncate, fail:41" in reply(mock, "fail 41")
    assert "answers 2.5 s late" in reply(mock, "slow 2.5")
    assert "SAM failing 0x60" in reply(mock, "sam 60")
    assert "SAM failing" not in reply(mock, "sam off")
    assert reply(mock, "unplug").startswith("UNPLUGGED")
    assert reply(mock, "replug").startswith("plugged in")
    assert "no card" in reply(mock, "remove")
    assert reply(mock, "list").splitlines()[0] == "1. Shanghai resident, 41"
    assert "place N" in reply(mock, "help")
    assert run_command(mock, "") == ""
    assert run_command(mock, "quit") is None


@pytest.mark.parametrize(("line", "error"), [
    ("place 99", "card number must be 1 to 8"),
    ("place", "needs an argument"),
    ("fail zz", "error: fail: invalid literal"),
    ("fail 100", "0x00 to 0xFF"),
    ("sam 1ff", "0x00 to 0xFF"),
    ("slow inf", "delay must be 0 to 60"),
    ("slow nan", "delay must be 0 to 60"),
    ("jump", "unknown command 'jump'"),
])
def test_console_errors_are_specific(mock: MockCardReader, line: str, error: str) -> None:
    assert error in reply(mock, line)


def test_main_mock_reader_serves_the_real_driver(tmp_path: Path) -> None:
    link = tmp_path / "reader"
    proc = subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "main.py"), "mock-reader", "--link", str(link)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=tmp_path)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        assert "mock ID card reader on" in proc.stdout.readline()
        assert proc.stdout.readline().strip() == "plugged in | no card"
        driver = SerialIdCardReader(PathPort(str(link)))
        assert driver.check().level is Level.OK
        proc.stdin.write("place 3\n")
        proc.stdin.flush()
        assert "Nanjing" in proc.stdout.readline()
        deadline = time.monotonic() + 10
        event = None
        while event is None and time.monotonic() < deadline:
            event = driver.read(timeout=0.2)
        assert isinstance(event, CardRead) and event.holder.name == "王芳"
        driver.close()
        proc.stdin.write("quit\n")
        proc.stdin.flush()
        assert proc.wait(timeout=10) == 0
        assert not link.exists()  # unplugged on the way out
    finally:
        proc.kill()


def test_main_mock_reader_with_a_bad_deck(tmp_path: Path) -> None:
    deck = tmp_path / "deck.toml"
    deck.write_text('[[cards]]\nname = "x"\n', encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "main.py"), "mock-reader", "--link",
         str(tmp_path / "r"), "--deck", str(deck)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "card 1" in done.stderr and "deck.toml" in done.stderr


def test_a_refused_control_leaves_the_reader_serving(mock: MockCardReader) -> None:
    for line in ("fail 100", "slow inf", "sam -1"):
        assert reply(mock, line).startswith("error")
    driver = SerialIdCardReader(PathPort(mock.port))
    assert driver.check().level is Level.OK
    driver.close()
