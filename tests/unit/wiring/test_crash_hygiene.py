"""A crash leaves its type and place, never personal data (issue 16, finding 5): not on the
terminal (no locals, no message), not in the log; and the process exits non-zero."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import textwrap
import threading
import time
from pathlib import Path

import pytest

from devices.idcard import load_deck
from offline_cache.outbox import Outbox
from tests.support.platform_access import application_payload
from wiring.cli import main
from wiring.config import DEMO_DECK
from wiring.logs import install_crash_hooks, stop_logging

ROOT = Path(__file__).resolve().parents[3]
PHONE = "13812341234"


def personal_values() -> set[str]:
    values = {PHONE}
    for card in load_deck(DEMO_DECK):
        h = card.holder
        values |= {h.name, h.english_name, h.id_number, h.address, h.appended_address,
                   h.pass_number}
    return {v for v in values if v}


# Queues one application per demo person, then makes acknowledging fail with an error
# whose message names the person, while the batch (every queued person) is a local of the
# frames above it: what Textual's crash handler printed.
DRIVER = textwrap.dedent("""
    import sys
    from pathlib import Path

    import offline_cache.outbox as outbox
    from contracts.clock import SystemClock
    from devices.idcard import load_deck
    from tests.support.platform_access import application_payload
    from wiring.config import DEMO_CONFIG, DEMO_DECK, load_config
    from wiring.sync import store_from_config

    data = Path(sys.argv[1])
    config = load_config(DEMO_CONFIG, data_dir=data, platform_url=None, mock=True)
    store = store_from_config(config, SystemClock(), "test")
    people = []
    for card in load_deck(DEMO_DECK):
        payload = application_payload(card.holder.id_number)
        payload["identity"]["name"] = card.holder.name
        payload["answers"] = {"phone": "13812341234", "address": card.holder.address}
        store.outbox.enqueue("application", "marriage-record-proof", payload)
        people.append(card.holder)
    store.close()

    def acknowledge(self, ids, received_at=None):
        person = people[0]
        raise ValueError(f"cannot acknowledge {person.name} {person.id_number}")

    outbox.Outbox.acknowledge = acknowledge
    import main as entry
    entry.install_crash_hooks()
    sys.exit(entry.main(["--data-dir", str(data), "--mock"]))
""")


def run_in_terminal(args: list[str], timeout: float = 90) -> tuple[int, str]:
    """Run a process on a pseudo-terminal (as the kiosk runs on a console); its exit status
    and everything it wrote to the terminal."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "PYTHONPATH": str(ROOT)}
    env.pop("TEXTUAL", None)
    process = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, cwd=ROOT,
                               env=env, close_fds=True)
    os.close(slave)
    out = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the terminal closed: the process is gone
                    chunk = b""
                if not chunk:
                    break
                out += chunk
            elif process.poll() is not None:
                break
        code = process.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    return code, out.decode("utf-8", errors="replace")


def test_a_crash_mid_sync_prints_and_logs_no_personal_data(tmp_path: Path) -> None:
    code, terminal = run_in_terminal([sys.executable, "-c", DRIVER, str(tmp_path)])
    log = (tmp_path / "logs" / "kiosk.log").read_text(encoding="utf-8")
    assert code != 0
    assert "本机暂停服务" in terminal  # the one line staff see (app.stopped)
    assert "unexpected ValueError at sync.py" in log and "the kiosk stops" in log
    leaked = {v for v in personal_values() if v in terminal or v in log}
    assert not leaked
    assert "Traceback" not in terminal and "locals" not in terminal


@pytest.fixture
def queued(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder with the demo people queued, and acknowledging that fails naming one."""
    from contracts.clock import SystemClock
    from wiring.config import DEMO_CONFIG, load_config
    from wiring.sync import store_from_config

    config = load_config(DEMO_CONFIG, data_dir=tmp_path, platform_url=None, mock=True)
    store = store_from_config(config, SystemClock(), "test")
    cards = load_deck(DEMO_DECK)
    try:
        for card in cards:
            payload = application_payload(card.holder.id_number)
            payload["identity"]["name"] = card.holder.name
            store.outbox.enqueue("application", "marriage-record-proof", payload)
    finally:
        store.close()

    def acknowledge(self: Outbox, ids: list[str], received_at: str | None = None) -> None:
        raise ValueError(f"cannot acknowledge {cards[0].holder.name} {cards[0].holder.id_number}")

    monkeypatch.setattr(Outbox, "acknowledge", acknowledge)
    return tmp_path


def test_sync_once_that_crashes_says_one_line_and_exits_1(
        queued: Path, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = main(["sync", "--once", "--data-dir", str(queued), "--mock"])
    finally:
        stop_logging()
    out, err = capsys.readouterr()
    log = (queued / "logs" / "kiosk.log").read_text(encoding="utf-8")
    assert code == 1
    assert "unexpected ValueError" in err and "unexpected ValueError at " in log
    assert not {v for v in personal_values() if v in out + err + log}


def test_a_thread_that_crashes_leaves_its_type_not_its_message(
        capsys: pytest.CaptureFixture[str]) -> None:
    name = next(iter(load_deck(DEMO_DECK))).holder.name
    before = sys.excepthook, threading.excepthook
    install_crash_hooks()
    try:
        def fails() -> None:
            raise ValueError(f"bad card for {name}")

        thread = threading.Thread(target=fails, name="reader")
        thread.start()
        thread.join(timeout=5)
    finally:
        sys.excepthook, threading.excepthook = before
    err = capsys.readouterr().err
    assert "unexpected ValueError" in err and name not in err
