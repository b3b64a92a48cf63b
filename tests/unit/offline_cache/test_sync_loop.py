"""Backoff with jitter, and the loop's connectivity monitor, against a real server."""

from __future__ import annotations

import random
import threading
from pathlib import Path

import httpx
import pytest

from contracts.clock import FakeClock
from offline_cache.backoff import Backoff
from offline_cache.outbox import Outbox
from offline_cache.sealing import DataCipher
from offline_cache.store import open_store
from offline_cache.sync import Link, SyncEngine, SyncReport, SyncSettings
from offline_cache.sync_loop import LoopTiming, SyncLoop
from server.embedded import EmbeddedPlatform
from tests.support.loopback import free_port
from tests.support.platform_access import application_payload, bearer
from tests.support.waiting import wait_for

PERSON = application_payload("350203198001010012")


def test_backoff_doubles_up_to_the_cap_with_jitter() -> None:
    backoff = Backoff(2, 60, random.Random(7))
    delays = [backoff.failed() for _ in range(10)]
    ceilings = [2, 4, 8, 16, 32, 60, 60, 60, 60, 60]
    for delay, ceiling in zip(delays, ceilings, strict=True):
        assert ceiling / 2 <= delay <= ceiling
    assert len({round(d, 6) for d in delays[5:]}) == 5  # jittered, not in step
    backoff.succeeded()
    assert 1 <= backoff.failed() <= 2


def test_fleet_retries_spread_out() -> None:
    """A hundred kiosks that failed together do not retry together."""
    firsts = []
    for seed in range(100):
        backoff = Backoff(2, 300, random.Random(seed))
        for _ in range(5):
            delay = backoff.failed()
        firsts.append(delay)
    assert min(firsts) >= 16 and max(firsts) <= 32
    assert max(firsts) - min(firsts) > 10


class ScriptedEngine:
    """Stands in for SyncEngine to watch the loop's decisions."""

    def __init__(self, reports: list[Link]) -> None:
        self.reports = reports
        self.passes = 0
        self.probes = 0

    def sync_once(self) -> SyncReport:
        self.passes += 1
        return SyncReport(self.reports[min(self.passes, len(self.reports)) - 1])

    def probe(self) -> Link:
        self.probes += 1
        return Link.UNREACHABLE


def run_loop(engine: ScriptedEngine, backoff: Backoff, passes: int) -> list[SyncReport]:
    seen: list[SyncReport] = []
    loop: SyncLoop

    def on_report(report: SyncReport) -> None:
        seen.append(report)
        if len(seen) >= passes:
            loop.stop()

    loop = SyncLoop(engine, backoff, LoopTiming(interval_s=0.01, probe_interval_s=0.005),
                    on_report)
    thread = threading.Thread(target=loop.run)
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive()
    return seen


def test_a_failing_platform_is_backed_off_not_probed() -> None:
    engine = ScriptedEngine([Link.SERVER_ERROR])
    backoff = Backoff(0.02, 0.04, random.Random(1))
    run_loop(engine, backoff, passes=3)
    assert engine.probes == 0 and backoff.failures >= 2


def test_an_unreachable_platform_is_probed_between_tries() -> None:
    engine = ScriptedEngine([Link.UNREACHABLE])
    run_loop(engine, Backoff(0.05, 0.1, random.Random(1)), passes=3)
    assert engine.probes >= 2


def test_success_resets_the_backoff() -> None:
    engine = ScriptedEngine([Link.UNREACHABLE, Link.UNREACHABLE, Link.ONLINE])
    backoff = Backoff(0.01, 0.02, random.Random(1))
    run_loop(engine, backoff, passes=3)
    assert backoff.failures == 0


def test_the_queue_drains_soon_after_the_link_returns(tmp_path: Path) -> None:
    """Backoff is a minute long; the monitor notices the platform within its probe interval."""
    port = free_port()
    outbox = Outbox(open_store(tmp_path / "kiosk.db"), DataCipher([bytes(32)]), FakeClock(), "K")
    sent = [outbox.enqueue("application", "x", PERSON).id for _ in range(5)]
    platform = EmbeddedPlatform(f"sqlite:///{tmp_path / 'p.db'}", tmp_path / "k.key", port=port)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=1,
                          headers=bearer(platform.enrol("kiosk", "K")))
    engine = SyncEngine(outbox, client, FakeClock(), SyncSettings(batch_size=2))
    reports: list[SyncReport] = []
    loop = SyncLoop(engine, Backoff(60, 60, random.Random(3)),
                    LoopTiming(interval_s=60, probe_interval_s=0.05), reports.append)
    thread = threading.Thread(target=loop.run)
    thread.start()
    try:
        wait_for(lambda: bool(reports) and reports[0].link is Link.UNREACHABLE)
        platform.start()
        wait_for(lambda: outbox.summary().pending == 0, timeout=15)
        # The pass's report follows its last acknowledgement.
        wait_for(lambda: sum(r.acknowledged for r in reports) == len(sent))
    finally:
        loop.stop()
        thread.join(timeout=10)
        platform.stop()
        client.close()


def test_wake_starts_a_pass_at_once() -> None:
    engine = ScriptedEngine([Link.ONLINE])
    seen: list[SyncReport] = []
    loop = SyncLoop(engine, Backoff(1, 1, random.Random(1)),
                    LoopTiming(interval_s=3600, probe_interval_s=1), seen.append)
    thread = threading.Thread(target=loop.run)
    thread.start()
    try:
        wait_for(lambda: len(seen) == 1)
        loop.wake()  # an hour early
        wait_for(lambda: len(seen) == 2)
    finally:
        loop.stop()
        assert loop.join(timeout=10)
    thread.join(timeout=1)
    assert not thread.is_alive()


@pytest.mark.parametrize("base,cap", [(0, 1), (5, 1)])
def test_backoff_rejects_nonsense(base: float, cap: float) -> None:
    with pytest.raises(ValueError):
        Backoff(base, cap, random.Random())
