"""Pull the power or the network at any moment: every transaction reaches the platform once.

Against a real platform on loopback. The sync process is killed with SIGKILL
at random points (50 trials here; ``bench/chaos_sigkill.py`` runs more); the
platform answers 500, hangs past the kiosk's timeout, drops connections before
and after storing, and goes down for a while.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
from functools import partial
from pathlib import Path

import pytest

from contracts.clock import SystemClock
from kiosk.synthetic import synthetic_application
from offline_cache.backoff import Backoff
from offline_cache.sync import Link, SyncReport
from offline_cache.sync_loop import LoopTiming, SyncLoop
from server.embedded import EmbeddedPlatform
from tests.support.chaos import ROOT, ChaosKiosk, kiosk_config, platform_ids
from tests.support.chaos_proxy import ChaosProxy, Fault, random_policy
from tests.support.platform_access import enrol_kiosk
from tests.support.waiting import wait_for
from wiring.config import load_config
from wiring.sync import connect_platform, store_from_config

SIGKILL_TRIALS = 50


@pytest.fixture
def platform(platform_server: EmbeddedPlatform) -> EmbeddedPlatform:
    return platform_server


@pytest.mark.timeout(600)
def test_sync_killed_at_random_points_loses_and_duplicates_nothing(
        tmp_path: Path, platform: EmbeddedPlatform) -> None:
    kiosk = ChaosKiosk(tmp_path, platform)
    stats = kiosk.sigkill_trials(SIGKILL_TRIALS)
    assert stats.trials == SIGKILL_TRIALS
    # The dangerous window was hit: killed with a batch in flight, the platform
    # having stored it but the kiosk not yet knowing.
    assert stats.killed_in_flight > 0 and stats.answer_lost > 0

    finished = kiosk.drain()
    assert finished.returncode == 0, finished.stdout + finished.stderr
    server_ids = kiosk.server_ids()
    assert len(server_ids) == len(set(server_ids))  # none twice
    assert set(server_ids) == stats.enqueued  # none lost, none extra
    assert set(kiosk.local_states().values()) == {"acknowledged"}
    counted = json.loads(subprocess.run(
        [sys.executable, "-m", "server", "stats", "--db", str(platform.engine.url), "--json"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout)
    assert counted["transactions"] == counted["distinct_ids"] == len(stats.enqueued)
    assert counted["kiosks"]["CHAOS-01"]["seq_gaps"] == 0


def test_power_loss_while_enqueueing_keeps_every_confirmed_transaction(
        tmp_path: Path, platform: EmbeddedPlatform) -> None:
    """An id printed by ``simulate --echo`` was durable before it was printed."""
    kiosk = ChaosKiosk(tmp_path, platform)
    rng = random.Random(5)
    confirmed: list[str] = []
    for _ in range(5):
        process = subprocess.Popen(kiosk.command("simulate", "--transactions", "100000", "--echo"),
                                   cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                   text=True)
        assert process.stdout is not None
        for _ in range(rng.randint(1, 300)):
            confirmed.append(process.stdout.readline().strip())
        process.kill()  # SIGKILL, mid-stream
        process.wait(timeout=10)
    stored = kiosk.local_states()
    assert set(confirmed) <= set(stored)
    assert kiosk.drain().returncode == 0
    assert sorted(kiosk.server_ids()) == sorted(stored)


def test_server_errors_hangs_drops_and_outages_lose_and_duplicate_nothing(
        tmp_path: Path, platform: EmbeddedPlatform) -> None:
    upstream = int(platform.url.rsplit(":", 1)[1])
    proxy = ChaosProxy(upstream, random_policy(random.Random(11), pass_share=0.35),
                       hang_s=1.0).start()
    config = load_config(kiosk_config(tmp_path, proxy.url, batch_size=7))
    config.platform.timeout_s = 0.4  # shorter than the proxy's hang
    enrol_kiosk(platform, config)
    clock = SystemClock()
    store = store_from_config(config, clock, "chaos test")
    link = connect_platform(config, clock, store)
    reports: list[SyncReport] = []
    loop = SyncLoop(link.sync, Backoff(0.02, 0.2, random.Random(3)),
                    LoopTiming(interval_s=0.05, probe_interval_s=0.05), reports.append)
    thread = threading.Thread(target=loop.run)
    thread.start()
    rng = random.Random(8)
    enqueued: set[str] = set()
    try:
        for burst in range(12):
            seen = proxy.faults.total()
            for _ in range(20):
                enqueued.add(store.outbox.enqueue("application", *synthetic_application(rng)).id)
                loop.wake()
            if burst in (4, 8):  # the link goes down for a while, with work queued
                proxy.down()
                down_at = len(reports)
                wait_for(partial(_unreachable_since, reports, down_at))
                enqueued.add(store.outbox.enqueue("application", *synthetic_application(rng)).id)
                proxy.up()
            wait_for(partial(_faults_at_least, proxy, seen + 5), timeout=30)
        proxy.policy = lambda: Fault.PASS
        wait_for(lambda: store.outbox.summary().pending == 0, timeout=60)
    finally:
        loop.stop()
        thread.join(timeout=10)
        link.close()
        store.close()
        proxy.stop()
    assert all(proxy.faults[fault] > 0 for fault in Fault), proxy.faults
    server_ids = platform_ids(platform)
    assert len(server_ids) == len(set(server_ids))
    assert set(server_ids) == enqueued
    assert not any(r.quarantined for r in reports)


def _unreachable_since(reports: list[SyncReport], start: int) -> bool:
    return any(r.link is Link.UNREACHABLE for r in reports[start:])


def _faults_at_least(proxy: ChaosProxy, count: int) -> bool:
    return proxy.faults.total() >= count
