"""One kiosk process per outbox; a dead holder (even SIGKILLed) leaves no stale lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from offline_cache.instance_lock import InstanceLock, OutboxBusy
from tests.support import REPO_ROOT

HOLD = """
import sys, time
from pathlib import Path
from offline_cache.instance_lock import InstanceLock
InstanceLock(Path(sys.argv[1])).acquire("the kiosk")
print("held", flush=True)
time.sleep(60)
"""


def test_second_holder_is_refused_with_who_has_it(tmp_path: Path) -> None:
    first = InstanceLock(tmp_path / "kiosk.lock").acquire("the kiosk")
    with pytest.raises(OutboxBusy) as refused:
        InstanceLock(tmp_path / "kiosk.lock").acquire("sync --once")
    message = str(refused.value)
    assert f"the kiosk (pid {os.getpid()})" in message
    assert "only one kiosk process may run per outbox" in message
    first.release()
    InstanceLock(tmp_path / "kiosk.lock").acquire("sync --once").release()


def test_a_killed_holder_frees_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE,
                              text=True, cwd=REPO_ROOT)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(OutboxBusy, match=f"pid {holder.pid}"):
            InstanceLock(path).acquire("the kiosk")
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
    finally:
        holder.kill()
    lock = InstanceLock(path).acquire("the kiosk")
    assert lock.held
    lock.release()


def test_a_second_kiosk_on_the_same_data_refuses_to_start(assembly, config) -> None:
    from wiring.assembly import assemble

    with pytest.raises(OutboxBusy, match="the kiosk"):
        assemble(config)
    # The running kiosk is untouched.
    assert assembly.store.outbox.summary().pending == 0
