"""Chaos trials against a real platform on loopback: the sync process killed with
SIGKILL at random points, then the platform checked for exactly the set enqueued.

Shared by ``tests/test_chaos.py`` (50 trials in CI) and ``bench/chaos_sigkill.py``
(as many as you like).
"""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from sqlalchemy import func, select

from contracts.clock import SystemClock
from kiosk.synthetic import synthetic_application
from server.db import transactions
from server.embedded import EmbeddedPlatform
from tests.support import REPO_ROOT
from tests.support.platform_access import enrol_kiosk
from wiring.config import load_config
from wiring.sync import store_from_config

ROOT = REPO_ROOT


def platform_ids(platform: EmbeddedPlatform) -> list[str]:
    """Every transaction id the platform holds, repeats included."""
    with platform.engine.connect() as conn:
        return list(conn.execute(select(transactions.c.id)).scalars())


def kiosk_config(folder: Path, platform_url: str, batch_size: int = 5,
                 kiosk_id: str = "CHAOS-01") -> Path:
    """A kiosk config for a chaos run: small batches, so a kill lands mid-drain."""
    path = folder / "kiosk.toml"
    path.write_text(f"""
[kiosk]
id = "{kiosk_id}"
branch_zh = "混沌测试"
branch_en = "Chaos test"
data_dir = "{folder / 'data'}"

[catalog]
path = "{ROOT / 'contracts' / 'data' / 'catalog.toml'}"

[platform]
url = "{platform_url}"
batch_size = {batch_size}
timeout_s = 2
sync_interval_s = 0.2
backoff_base_s = 0.1
backoff_cap_s = 0.5
probe_interval_s = 0.1
""", encoding="utf-8")
    return path


@dataclass
class TrialStats:
    trials: int = 0
    killed_in_flight: int = 0  # rows were "sending" when the process died
    answer_lost: int = 0  # ...and the platform had already stored some of them
    enqueued: set[str] = field(default_factory=set)


class ChaosKiosk:
    def __init__(self, folder: Path, platform: EmbeddedPlatform, batch_size: int = 5) -> None:
        self.config_path = kiosk_config(folder, platform.url, batch_size)
        self.config = load_config(self.config_path)
        enrol_kiosk(platform, self.config)
        self.platform = platform
        self.rng = random.Random(20261123)

    def enqueue(self, count: int) -> list[str]:
        """Under the instance lock, as ``simulate`` does: only while no sync process runs."""
        store = store_from_config(self.config, SystemClock(), "chaos test")
        try:
            return [store.outbox.enqueue("application", *synthetic_application(self.rng)).id
                    for _ in range(count)]
        finally:
            store.close()

    def command(self, *args: str) -> list[str]:
        return [sys.executable, str(ROOT / "main.py"), "--config", str(self.config_path), *args]

    def local_states(self) -> dict[str, str]:
        db = sqlite3.connect(f"{(self.config.data_dir / 'kiosk.db').as_uri()}?mode=ro", uri=True)
        try:
            return dict(db.execute("SELECT id, state FROM outbox").fetchall())
        finally:
            db.close()

    def server_ids(self) -> list[str]:
        return platform_ids(self.platform)

    def server_count(self) -> int:
        with self.platform.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(transactions)).scalar_one())

    def sigkill_trials(self, trials: int, stats: TrialStats | None = None) -> TrialStats:
        stats = stats or TrialStats()
        rng = random.Random(trials)
        for _ in range(trials):
            stats.enqueued.update(self.enqueue(rng.randint(10, 40)))
            before = self.server_count()
            process = subprocess.Popen(self.command("sync"), cwd=ROOT,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            exited = partial(_exited, process)
            try:
                if rng.random() < 0.25:
                    # Anywhere at all: during start-up, recovery, the first request...
                    _wait(exited, rng.uniform(0, 1.0))
                else:
                    # Mid-drain: once the platform has started taking this run's batches.
                    _wait(partial(self._taking_batches, before, process), 20)
                    _wait(exited, rng.uniform(0, 0.08))
            finally:
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=10)
            stats.trials += 1
            in_flight = {i for i, state in self.local_states().items() if state == "sending"}
            if in_flight:
                stats.killed_in_flight += 1
                if in_flight & set(self.server_ids()):
                    stats.answer_lost += 1
        return stats

    def _taking_batches(self, before: int, process: subprocess.Popen[bytes]) -> bool:
        return self.server_count() > before or process.poll() is not None

    def drain(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.command("sync", "--once"), cwd=ROOT, capture_output=True,
                              text=True, timeout=120)


def _exited(process: subprocess.Popen[bytes]) -> bool:
    return process.poll() is not None


def _wait(done: Callable[[], bool], seconds: float) -> None:
    """Until ``done()`` or ``seconds`` pass: a kill time, not a stand-in for a condition."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not done():
        time.sleep(0.002)
