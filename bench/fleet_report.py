"""What the fleet report costs: a kiosk's idle sync pass with and without it, and the
fleet view read for a fleet of kiosks, as a page and as JSON.

The platform runs as its own process (``python -m server``, a SQLite file, a real
socket). Pass: ``SyncEngine.sync_once`` on an empty outbox (the health probe; with
fleet reporting, the report after it), alternating the two in the same run so both
see the same machine. Fleet view: ``--kiosks`` kiosks enrolled, each having posted a
report with a few devices and an outage, then ``GET /staff/fleet`` (the page) and
``GET /api/v1/staff/fleet`` (JSON), alternating.

    python bench/fleet_report.py [--passes 300] [--kiosks 200] [--reads 50]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from contracts.clock import SystemClock
from contracts.wire import KIOSK_REPORT_PATH, DeviceReport, Outage
from offline_cache.kiosk_state import KioskStateStore
from offline_cache.outbox import Outbox
from offline_cache.sealing import DataCipher
from offline_cache.store import open_store
from offline_cache.sync import FleetReporting, SyncEngine, SyncSettings
from server.credentials import enrol
from server.db import make_engine
from server.fleet import FLEET_PAGE_PATH, FLEET_PATH
from tests.support.loopback import free_port

ROOT = Path(__file__).resolve().parent.parent


def ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return (statistics.median(ordered) * 1000,
            ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000)


def timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def report_body(now: datetime, n: int) -> dict[str, object]:
    return {"sent_at": now.isoformat(), "last_rtt_ms": 3, "queue_length": n % 7,
            "oldest_queued_at": now.isoformat() if n % 7 else None,
            "devices": {name: {"state": "ok" if n % 5 else "warning", "detail": ""}
                        for name in ("printer", "reader", "camera", "cabinet")},
            "outages": [{"service": "*", "reason": "no_paper", "by": "auto",
                         "since": now.isoformat()}] if n % 10 == 0 else [],
            "software": "0.1.0"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passes", type=int, default=300)
    parser.add_argument("--kiosks", type=int, default=200)
    parser.add_argument("--reads", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = f"sqlite:///{folder / 'platform.db'}"
        engine = make_engine(db)
        now = datetime.now(UTC)
        tokens = [enrol(engine, "kiosk", f"K-{n:04d}", now) for n in range(args.kiosks)]
        staff = enrol(engine, "staff", "bench", now)
        engine.dispose()
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "server", "--db", db, "--port", str(port),
             "--signing-key", str(folder / "sign.key")],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{url}/api/v1/health").status_code == 401:
                        break
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            passes(url, tokens[0], folder, args.passes)
            fleet_reads(url, tokens, staff, args.reads)
        finally:
            server.terminate()
            server.wait(timeout=30)


def passes(url: str, token: str, folder: Path, count: int) -> None:
    clock = SystemClock()
    outbox = Outbox(open_store(folder / "kiosk.db"), DataCipher([os.urandom(32)]), clock,
                    "K-0000")
    state = KioskStateStore(open_store(folder / "kiosk.db"))
    state.save_devices({name: DeviceReport(state="ok") for name in
                        ("printer", "reader", "camera", "cabinet")}, clock.now())
    state.save_outages([Outage(service="hk-permit", reason="maintenance", by="staff",
                               since=clock.now())], clock.now())
    with httpx.Client(base_url=url, timeout=30,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        plain = SyncEngine(outbox, client, clock, SyncSettings())
        reporting = SyncEngine(outbox, client, clock, SyncSettings(),
                               fleet=FleetReporting(state, "0.1.0"))
        plain.sync_once(), reporting.sync_once()  # warm: reference data, connections
        without, with_report = [], []
        for _ in range(count):
            without.append(timed(plain.sync_once))
            with_report.append(timed(reporting.sync_once))
        assert reporting.sync_once().reported
    print(f"\nIdle sync pass (empty outbox), {count} each, alternating\n")
    print("| pass | p50 ms | p99 ms |\n| --- | ---: | ---: |")
    for name, samples in (("health probe only (no fleet reporting)", without),
                          ("health probe + fleet report", with_report)):
        p50, p99 = ms(samples)
        print(f"| {name} | {p50:.1f} | {p99:.1f} |")
    print(f"\nreport/plain p50: {ms(with_report)[0] / ms(without)[0]:.2f}x")


def fleet_reads(url: str, tokens: list[str], staff: str, count: int) -> None:
    now = datetime.now(UTC)
    with httpx.Client(base_url=url, timeout=60) as client:
        for n, token in enumerate(tokens):
            client.post(KIOSK_REPORT_PATH, json=report_body(now, n),
                        headers={"Authorization": f"Bearer {token}"}).raise_for_status()
        headers = {"Authorization": f"Bearer {staff}"}
        page = client.get(FLEET_PAGE_PATH, headers=headers)
        body = client.get(FLEET_PATH, headers=headers)
        page_s, json_s = [], []
        for _ in range(count):
            page_s.append(timed(lambda: client.get(FLEET_PAGE_PATH, headers=headers)
                                .raise_for_status()))
            json_s.append(timed(lambda: client.get(FLEET_PATH, headers=headers)
                                .raise_for_status()))
    print(f"\nFleet view of {len(tokens)} kiosks, {count} reads each, alternating\n")
    print("| read | p50 ms | p99 ms | KB |\n| --- | ---: | ---: | ---: |")
    for name, samples, size in (("GET /staff/fleet (HTML page)", page_s, len(page.content)),
                                ("GET /api/v1/staff/fleet (JSON)", json_s,
                                 len(body.content))):
        p50, p99 = ms(samples)
        print(f"| {name} | {p50:.1f} | {p99:.1f} | {size / 1024:.0f} |")


if __name__ == "__main__":
    main()
