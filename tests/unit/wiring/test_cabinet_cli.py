"""`main.py cabinet-test` and `main.py mock-cabinet`: the commands against the mock
cabinet, in process and as processes, with their exit codes (0 opened, 1 not opened
and why, 2 bad target) and the console's lines."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.cabinet import Door, DoorState, MockCabinet
from devices.cabinet.mock_console import run_command
from tests.support import REPO_ROOT
from tests.support.waiting import wait_for
from wiring.cli import main


@pytest.fixture
def mock(tmp_path: Path) -> Iterator[MockCabinet]:
    cabinet = MockCabinet(tmp_path / "cabinet", boards=2, doors=12, pace=False).start()
    yield cabinet
    cabinet.close()


def cabinet_test(mock: MockCabinet, *args: str) -> list[str]:
    return ["cabinet-test", "--cabinet", f"serial:{mock.port}", "--locks", "12", *args]


def test_cabinet_test_opens_a_door_and_prints_the_states(
        mock: MockCabinet, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(cabinet_test(mock, "--board", "2", "--door", "4")) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "door 2:4 opened (door sensor: open)"
    assert out[1] == "board 2 door states: " + " ".join(
        f"{n}:{'OPEN' if n == 4 else 'closed'}" for n in range(1, 13))
    assert mock.door_state(Door(2, 4)) is DoorState.OPEN


def test_cabinet_test_a_jammed_door_is_1_with_why(
        mock: MockCabinet, capsys: pytest.CaptureFixture[str]) -> None:
    mock.jam(Door(1, 2))
    assert main(cabinet_test(mock, "--door", "2")) == 1
    out = capsys.readouterr().out
    assert "door 1:2 not opened: the board pulsed the lock and the door stayed shut" in out
    assert "2:closed" in out


def test_cabinet_test_a_silent_board_is_1_with_why(
        mock: MockCabinet, capsys: pytest.CaptureFixture[str]) -> None:
    mock.silence(1)
    assert main(cabinet_test(mock, "--door", "1")) == 1
    captured = capsys.readouterr()
    assert "door 1:1 not opened: the board did not answer" in captured.err
    assert f"[{mock.port} board 1: no answer within 0.5 s]" in captured.err
    assert "board 1 door states: not read" in captured.out


def test_cabinet_test_a_garbled_answer_is_1_with_why(
        mock: MockCabinet, capsys: pytest.CaptureFixture[str]) -> None:
    mock.garble_next()
    assert main(cabinet_test(mock, "--door", "1")) == 1
    assert "the board's answer was garbled" in capsys.readouterr().err


@pytest.mark.parametrize(("args", "error"), [
    (["--door", "13"], "board 1 has doors 1..12, not 13"),
    (["--door", "0"], "board 1 has doors 1..12, not 0"),
    (["--board", "0", "--door", "1"], "board address 0 is not 1..99"),
])
def test_cabinet_test_a_bad_door_is_2(mock: MockCabinet, capsys: pytest.CaptureFixture[str],
                                      args: list[str], error: str) -> None:
    assert main(cabinet_test(mock, *args)) == 2
    assert error in capsys.readouterr().err
    assert mock.state().commands == 0  # nothing was sent


@pytest.mark.parametrize(("cabinet", "error"), [
    ("serial:/nonexistent/cabinet", "the port cannot be opened: /nonexistent/cabinet ENOENT"),
    ("cabinet", "must look like serial:PATH or usb:VID:PID"),
    ("usb:zz", "VID:PID"),
])
def test_cabinet_test_a_bad_cabinet_is_2(capsys: pytest.CaptureFixture[str], cabinet: str,
                                         error: str) -> None:
    assert main(["cabinet-test", "--cabinet", cabinet, "--door", "1"]) == 2
    assert error in capsys.readouterr().err


def test_cabinet_console_commands(mock: MockCabinet) -> None:
    def reply(line: str) -> str:
        text = run_command(mock, line)
        assert text is not None
        return text

    assert reply("state") == "plugged in | 2 board(s) x 12 doors | open: none"
    assert "jammed: 2:3" in reply("jam 2:3")
    assert "jammed" not in reply("unjam 2:3")
    assert "armed: leave-open" in reply("leave-open")
    assert "armed: leave-open, garble" in reply("garble")
    assert "silent boards: 2" in reply("silence 2")
    assert "silent boards" not in reply("speak 2")
    mock.open_by_hand(Door(1, 5))
    assert "open: 1:5" in reply("state")
    assert "open: none" in reply("push 5")  # a plain number is a door on board 1
    assert reply("unplug").startswith("UNPLUGGED")
    assert reply("replug").startswith("plugged in")
    assert "push N" in reply("help")
    assert run_command(mock, "") == ""
    assert run_command(mock, "quit") is None


@pytest.mark.parametrize(("line", "error"), [
    ("push 13", "error: push: no door 1:13"),
    ("jam 3:1", "error: jam: no door 3:1"),
    ("push x", "error: push: invalid literal"),
    ("silence 3", "error: silence: board must be 1 to 2"),
    ("jam", "error: jam needs an argument"),
    ("fly", "unknown command 'fly'"),
])
def test_cabinet_console_errors_are_specific(mock: MockCabinet, line: str, error: str) -> None:
    text = run_command(mock, line)
    assert text is not None and error in text


def test_cabinet_commands_as_processes(tmp_path: Path) -> None:
    """mock-cabinet on a pty with its console on stdin; cabinet-test against it."""
    link = tmp_path / "cabinet"
    main_py = str(REPO_ROOT / "main.py")
    proc = subprocess.Popen(
        [sys.executable, main_py, "mock-cabinet", "--link", str(link), "--boards", "2",
         "--doors", "6"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        cwd=tmp_path)
    assert proc.stdin is not None and proc.stdout is not None

    def console(line: str) -> str:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(line + "\n")
        proc.stdin.flush()
        return proc.stdout.readline().strip()

    def cabinet_test(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, main_py, "cabinet-test", "--cabinet", f"serial:{link}",
             "--locks", "6", *args], capture_output=True, text=True, timeout=60, check=False)

    try:
        assert "mock cabinet on" in proc.stdout.readline()
        assert proc.stdout.readline().strip() == "plugged in | 2 board(s) x 6 doors | open: none"
        wait_for(link.exists)
        opened = cabinet_test("--board", "2", "--door", "6")
        assert opened.returncode == 0, opened.stderr
        assert opened.stdout.splitlines()[0] == "door 2:6 opened (door sensor: open)"
        assert console("state").endswith("open: 2:6")
        assert console("jam 1:1").endswith("jammed: 1:1")
        jammed = cabinet_test("--door", "1")
        assert jammed.returncode == 1 and "door 1:1 not opened" in jammed.stdout
        assert cabinet_test("--door", "7").returncode == 2
        assert "open: none" in console("push 2:6")
        proc.stdin.write("quit\n")
        proc.stdin.flush()
        assert proc.wait(timeout=10) == 0
        assert not link.exists()  # unplugged on the way out
    finally:
        proc.kill()
