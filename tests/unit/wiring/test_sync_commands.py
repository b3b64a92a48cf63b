"""The staff commands as a person runs them: simulate, queue, sync --once, server stats."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from contracts.clock import SystemClock
from offline_cache.instance_lock import InstanceLock
from tests.support import REPO_ROOT
from wiring.config import DEMO_CONFIG, load_config
from wiring.sync import store_from_config

ROOT = REPO_ROOT


def run(*args: str, data: Path, url: str | None = None) -> subprocess.CompletedProcess[str]:
    extra = ["--platform-url", url] if url else []
    return subprocess.run([sys.executable, "main.py", "--data-dir", str(data), *extra, *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_simulate_queue_sync_stats(tmp_path: Path) -> None:
    data = tmp_path / "data"
    made = run("simulate", "--transactions", "120", "--seed", "1", data=data)
    assert made.returncode == 0 and "enqueued 120 synthetic applications" in made.stdout
    assert "p50" in made.stdout and "p99" in made.stdout

    queue = json.loads(run("queue", "--json", data=data).stdout)
    assert queue["pending"] == 120 and queue["quarantined_items"] == []
    assert queue["oldest_pending_age_s"] >= 0 and queue["last_success"] is None

    offline = run("sync", "--once", data=data, url="http://127.0.0.1:9")
    assert offline.returncode == 1
    assert "120 still to upload; platform unreachable: cannot reach the platform" in offline.stdout
    assert json.loads(run("queue", "--json", data=data).stdout)["last_error"] == "unreachable"

    online = run("sync", "--once", data=data)  # the demo config: the embedded platform
    assert online.returncode == 0, online.stdout + online.stderr
    assert "accepted 120, quarantined 0, 0 still to upload; platform online" in online.stdout
    queue = json.loads(run("queue", "--json", data=data).stdout)
    assert (queue["pending"], queue["acknowledged"], queue["last_error"]) == (0, 120, "")
    assert queue["clock_offset_s"] is not None and not queue["clock_drift_warning"]

    stats = json.loads(subprocess.run(
        [sys.executable, "-m", "server", "stats", "--db", f"sqlite:///{data / 'platform.db'}",
         "--json"], cwd=ROOT, capture_output=True, text=True, check=True).stdout)
    assert stats["transactions"] == stats["distinct_ids"] == 120
    assert stats["kiosks"]["XH-CCB-0001"]["seq_gaps"] == 0


def test_queue_lists_refused_items_by_reference(tmp_path: Path) -> None:
    data = tmp_path / "data"
    config = load_config(DEMO_CONFIG, data_dir=data)
    store = store_from_config(config, SystemClock(), "test")
    tx = store.outbox.enqueue("application", "marriage-record-proof", {"x": 1})
    store.outbox.claim(1)
    store.outbox.quarantine(tx.id, "item_id: unknown service")
    store.close()
    text = run("queue", data=data).stdout
    assert "quarantined:      1" in text
    assert f"✖ {tx.reference}  application marriage-record-proof" in text
    assert "refused: item_id: unknown service" in text


def test_commands_that_write_refuse_while_another_process_holds_the_outbox(
        tmp_path: Path) -> None:
    data = tmp_path / "data"
    lock = InstanceLock(data / "kiosk.lock").acquire("the kiosk")
    try:
        for args in (("simulate", "--transactions", "1"), ("sync", "--once")):
            refused = run(*args, data=data)
            assert refused.returncode == 2
            assert "the kiosk (pid" in refused.stderr
            assert "only one kiosk process may run per outbox" in refused.stderr
    finally:
        lock.release()


def test_clear_errors_for_bad_input(tmp_path: Path) -> None:
    missing = run("queue", data=tmp_path / "nowhere")
    assert missing.returncode == 2 and "error: no kiosk store at" in missing.stderr
    zero = run("simulate", "--transactions", "0", data=tmp_path / "data")
    assert zero.returncode == 2 and "at least 1" in zero.stderr
