"""Durable enqueue latency, and draining 10,000 queued transactions to a local platform.

Enqueue: p50/p99 of ``Outbox.enqueue`` as the kiosk runs it (WAL, synchronous=FULL:
on disk before "submitted"), against the same store at synchronous=NORMAL (the
naive setting: fast, but the last transactions can vanish on power loss).

Drain: the platform runs as its own process (``python -m server``, SQLite file,
real socket); the kiosk's SyncEngine drains a fresh outbox of N transactions one
per request (batch_size=1) and batched, in the same run.

    python bench/outbox_sync.py [--transactions 10000] [--enqueues 2000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from contracts.clock import SystemClock
from kiosk.synthetic import synthetic_application
from offline_cache.outbox import Outbox
from offline_cache.sealing import DataCipher
from offline_cache.store import open_store
from offline_cache.sync import SyncEngine, SyncSettings
from tests.support.loopback import free_port

ROOT = Path(__file__).resolve().parent.parent
CIPHER = DataCipher([os.urandom(32)])


def make_outbox(path: Path, synchronous: str = "FULL") -> Outbox:
    db = open_store(path)
    db.execute(f"PRAGMA synchronous={synchronous}")
    return Outbox(db, CIPHER, SystemClock(), "BENCH-01")


def enqueue_latencies(folder: Path, count: int, synchronous: str) -> list[float]:
    import random

    outbox = make_outbox(folder / f"enqueue-{synchronous}.db", synchronous)
    rng = random.Random(1)
    samples = []
    for _ in range(count):
        item, payload = synthetic_application(rng)
        start = time.perf_counter()
        outbox.enqueue("application", item, payload)
        samples.append(time.perf_counter() - start)
    return samples


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


def start_platform(folder: Path, name: str) -> tuple[subprocess.Popen[bytes], str, str]:
    """The platform as deployed (``python -m server``), and the bench kiosk's token."""
    port = free_port()
    db = f"sqlite:///{folder / name}.db"
    token = subprocess.run([sys.executable, "-m", "server", "enrol", "--db", db, "kiosk",
                            "BENCH-01"], cwd=ROOT, check=True, capture_output=True,
                           text=True).stdout.strip()
    process = subprocess.Popen(
        [sys.executable, "-m", "server", "--db", db,
         "--port", str(port), "--signing-key", str(folder / "sign.key")],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{url}/api/v1/health",
                      headers={"Authorization": f"Bearer {token}"}).raise_for_status()
            return process, url, token
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def drain(folder: Path, count: int, batch_size: int) -> tuple[float, int]:
    """Seconds to drain ``count`` transactions, and the requests it took."""
    import random

    outbox = make_outbox(folder / f"drain-{batch_size}.db")
    rng = random.Random(2)
    for _ in range(count):
        outbox.enqueue("application", *synthetic_application(rng))
    process, url, token = start_platform(folder, f"platform-{batch_size}")
    requests = 0

    def count_request(request: httpx.Request) -> None:
        nonlocal requests
        requests += 1

    try:
        with httpx.Client(base_url=url, timeout=30, headers={"Authorization": f"Bearer {token}"},
                          event_hooks={"request": [count_request]}) as client:
            engine = SyncEngine(outbox, client, SystemClock(),
                                SyncSettings(batch_size=batch_size, retention=timedelta(days=7),
                                             reference_interval_s=3600))
            start = time.perf_counter()
            report = engine.sync_once()
            seconds = time.perf_counter() - start
        assert report.online and report.acknowledged == count, report
        assert outbox.summary().pending == 0
    finally:
        process.terminate()
        process.wait(timeout=10)
    return seconds, requests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=10_000)
    parser.add_argument("--enqueues", type=int, default=2_000)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 50, 500])
    args = parser.parse_args()
    # On the project's disk, not tmpfs.
    with tempfile.TemporaryDirectory(dir=ROOT, prefix=".bench-") as tmp:
        folder = Path(tmp)
        print(f"durable enqueue, {args.enqueues} synthetic applications, sealed (AES-GCM)\n")
        print("| store setting | p50 ms | p99 ms | mean ms |")
        print("| --- | ---: | ---: | ---: |")
        results = {}
        for synchronous in ("FULL", "NORMAL"):
            samples = enqueue_latencies(folder, args.enqueues, synchronous)
            results[synchronous] = samples
            print(f"| WAL, synchronous={synchronous}"
                  f"{' (kiosk)' if synchronous == 'FULL' else ' (naive)'} |"
                  f" {pct(samples, 0.5):.2f} | {pct(samples, 0.99):.2f} |"
                  f" {statistics.mean(samples) * 1000:.2f} |")
        ratio = pct(results["FULL"], 0.5) / pct(results["NORMAL"], 0.5)
        print(f"\nFULL/NORMAL p50: {ratio:.2f}x\n")
        print(f"drain {args.transactions} queued transactions to `python -m server`"
              " (SQLite, loopback)\n")
        print("| batch size | requests | seconds | transactions/s |")
        print("| ---: | ---: | ---: | ---: |")
        times = {}
        for batch in args.batches:
            seconds, requests = drain(folder, args.transactions, batch)
            times[batch] = seconds
            print(f"| {batch} | {requests} | {seconds:.1f} | {args.transactions / seconds:.0f} |")
        base = times[args.batches[0]]
        print()
        for batch in args.batches[1:]:
            print(f"batch {batch} is {base / times[batch]:.1f}x faster than batch"
                  f" {args.batches[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
