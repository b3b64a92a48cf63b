"""The background sync: a pass every interval while online; backoff while not.

While the platform is unreachable, the connectivity monitor probes it every
``probe_interval_s`` (a cheap health request) and ends the backoff as soon as
it answers, so the queue drains within seconds of the link returning rather
than at the end of a long backoff. A platform that answers with errors is not
probed: it gets the full backoff. A platform that says "too many requests" (429) is
not asked again before its Retry-After has passed, however short the backoff.
``wake()`` (a new transaction, staff's "sync now") starts a pass at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from offline_cache.backoff import Backoff
from offline_cache.sync import Link, SyncReport


@dataclass(frozen=True, slots=True)
class LoopTiming:
    interval_s: float = 10.0  # between passes while online
    probe_interval_s: float = 5.0  # connectivity probes while unreachable


class SyncPasses(Protocol):
    """What the loop drives: offline_cache.sync.SyncEngine (or a stand-in in tests)."""

    def sync_once(self) -> SyncReport: ...

    def probe(self) -> Link: ...


class SyncLoop:
    def __init__(self, engine: SyncPasses, backoff: Backoff, timing: LoopTiming,
                 on_report: Callable[[SyncReport], None],
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._engine = engine
        self._backoff = backoff
        self._timing = timing
        self._on_report = on_report
        self._monotonic = monotonic
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._ended = threading.Event()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def join(self, timeout: float) -> bool:
        """After ``stop()``: wait until ``run()`` has returned (its request may be in
        flight), so the store can be closed under it safely. False if it has not."""
        return self._ended.wait(timeout)

    def run(self) -> None:
        """Pass after pass until ``stop()``; run it in a thread of its own."""
        try:
            while not self._stop.is_set():
                self._wake.clear()
                report = self._engine.sync_once()
                self._on_report(report)
                if report.online:
                    self._backoff.succeeded()
                    self._rest(self._timing.interval_s, probe=False)
                else:
                    wait = max(self._backoff.failed(), report.retry_after_s or 0.0)
                    self._rest(wait, probe=report.link is Link.UNREACHABLE,
                               wakeable=report.retry_after_s is None)
        finally:
            self._ended.set()

    def _rest(self, seconds: float, probe: bool, wakeable: bool = True) -> None:
        """Wait ``seconds``; a wake (or a probe that finds the link back) ends it early,
        unless the platform asked for the wait (Retry-After): then only ``stop()`` does."""
        deadline = self._monotonic() + seconds
        while not self._stop.is_set():
            remaining = deadline - self._monotonic()
            if remaining <= 0:
                return
            step = min(remaining, self._timing.probe_interval_s) if probe else remaining
            if not wakeable:
                self._stop.wait(step)
                continue
            if self._wake.wait(step):
                return
            if probe and self._engine.probe() is Link.ONLINE:
                return  # the link is back: drain now
