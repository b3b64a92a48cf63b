"""20,000 concurrent reservation requests for 2,000 places, against the platform as
deployed (``python -m server`` over a real socket), on SQLite and on PostgreSQL.

The stream: 16,000 people, 4,000 of whom ask twice from another kiosk, spread
over 50 kiosks and 20 pickup slots of 100 places each (first come). Afterwards
the database must hold exactly 2,000 places given, to 2,000 different people,
every slot at zero and one pickup code per place.

The peer is the naive allocation many first versions ship: read the places left,
then write one fewer, as two statements. It runs on the same database with the
same concurrency, straight against the engine (no HTTP), so it is only faster;
the bench reports how many places it oversold.

    python bench/reservation_load.py [--requests 20000] [--places 2000] [--concurrency 200]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from contracts.identity import check_digit
from contracts.platform_api import RoundConfig
from server.credentials import enrol
from server.db import entries, make_engine, pickups, round_stock
from server.rounds import create_round
from tests.support.databases import platform_database
from tests.support.loopback import free_port

ROOT = Path(__file__).resolve().parent.parent
KIOSKS = 50
SLOTS = [f"{p}/{w}" for p in ("sm-01", "sm-02", "hl-01", "hc-01", "ja-01") for w in
         ("am", "pm", "ev", "nt")]  # 20 slots


def id_number(serial: int) -> str:
    born = datetime(1940, 1, 1) + timedelta(days=serial % 25_000)
    first = f"350203{born:%Y%m%d}{serial % 1000:03d}"
    return first + check_digit(first)


def request_stream(count: int, seed: int) -> list[tuple[int, dict[str, Any]]]:
    """(kiosk number, body): one person in five asks twice, from another kiosk."""
    rng = random.Random(seed)
    people = count * 4 // 5
    asks = list(range(people)) + rng.sample(range(people), count - people)
    rng.shuffle(asks)
    stream = []
    for n, who in enumerate(asks):
        stream.append((n % KIOSKS, {
            "id": str(uuid.uuid4()), "round_id": "load", "document_type": "resident_id",
            "document_number": id_number(who), "slot": SLOTS[who % 20],
            "health": "well", "accept_either": False}))
    return stream


def prepare(db: str, places: int) -> list[str]:
    engine = make_engine(db)
    now = datetime.now(UTC)
    per_slot = places // len(SLOTS)
    create_round(engine, RoundConfig(
        id="load", mode="first_come", opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1), quotas=dict.fromkeys(SLOTS, per_slot)), now)
    tokens = [enrol(engine, "kiosk", f"LOAD-{k:02d}", now) for k in range(KIOSKS)]
    engine.dispose()
    return tokens


def start_server(db: str, folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "server", "--db", db, "--port", str(port),
         "--signing-key", str(folder / "sign.key"),
         # A load test is many kiosks' worth of people per credential: lift the limit.
         "--rate-limit", "1000000"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/api/v1/health").status_code == 401:
                return process, url
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("the platform did not start")
        time.sleep(0.1)


async def fire(url: str, tokens: list[str], stream: list[tuple[int, dict[str, Any]]],
               concurrency: int) -> tuple[list[float], dict[str, int], float]:
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    retries = [0]
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:

        async def one(kiosk: int, body: dict[str, Any]) -> None:
            async with gate:
                start = time.perf_counter()
                for attempt in range(3):
                    try:
                        answer = await client.post(
                            "/api/v1/reservations", json=body,
                            headers={"Authorization": f"Bearer {tokens[kiosk]}"})
                        break
                    except httpx.TransportError:
                        # A kept-alive connection the server closed as it was reused:
                        # resend, as a kiosk would. The same id gets the first answer.
                        retries[0] += 1
                        if attempt == 2:
                            raise
                latencies.append(time.perf_counter() - start)
            answer.raise_for_status()
            result = answer.json()
            key = result["status"] if result["status"] != "refused" else result["reason"]
            outcomes[key] = outcomes.get(key, 0) + 1

        start = time.perf_counter()
        await asyncio.gather(*(one(k, b) for k, b in stream))
        wall = time.perf_counter() - start
    outcomes["resent after a dropped connection"] = retries[0]
    return latencies, outcomes, wall


def audit(db: str) -> dict[str, int]:
    engine = make_engine(db)
    with engine.connect() as conn:
        won = conn.execute(select(func.count()).select_from(entries)
                           .where(entries.c.status == "won")).scalar_one()
        people = conn.execute(select(func.count(entries.c.person.distinct()))
                              .where(entries.c.status == "won")).scalar_one()
        left = conn.execute(select(func.sum(round_stock.c.remaining))).scalar_one()
        negative = conn.execute(select(func.count()).select_from(round_stock)
                                .where(round_stock.c.remaining < 0)).scalar_one()
        codes = conn.execute(select(func.count()).select_from(pickups)).scalar_one()
    engine.dispose()
    return {"won": won, "people": people, "left": left, "negative": negative, "codes": codes}


def naive_peer(db: str, requests: int, places: int, concurrency: int) -> tuple[int, float]:
    """Read-then-write on a fresh stock table: how many places it gives out."""
    engine = make_engine(db)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS naive_stock"))
        conn.execute(text("CREATE TABLE naive_stock (slot VARCHAR(40) PRIMARY KEY,"
                          " remaining INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO naive_stock VALUES (:s, :r)"),
                     [{"s": s, "r": places // len(SLOTS)} for s in SLOTS])
    given = 0

    def take(n: int) -> bool:
        slot = SLOTS[n % len(SLOTS)]
        with engine.connect() as conn:  # a read, then a separate write: the race
            left = conn.execute(text("SELECT remaining FROM naive_stock WHERE slot = :s"),
                                {"s": slot}).scalar_one()
            conn.commit()
        if left <= 0:
            return False
        with engine.begin() as conn:
            conn.execute(text("UPDATE naive_stock SET remaining = :r WHERE slot = :s"),
                         {"r": left - 1, "s": slot})
        return True

    start = time.perf_counter()
    with ThreadPoolExecutor(min(concurrency, 64)) as pool:
        given = sum(pool.map(take, range(requests)))
    seconds = time.perf_counter() - start
    engine.dispose()
    return given, seconds


def run(backend: str, folder: Path, args: argparse.Namespace) -> None:
    with platform_database(backend, folder) as db:
        tokens = prepare(db, args.places)
        stream = request_stream(args.requests, seed=7)
        process, url = start_server(db, folder)
        try:
            latencies, outcomes, wall = asyncio.run(fire(url, tokens, stream, args.concurrency))
        finally:
            process.terminate()
            _, err = process.communicate(timeout=30)
            if err.strip():
                print(err.decode(errors="replace")[-3000:], file=sys.stderr)
        found = audit(db)
        given, naive_s = naive_peer(db, args.requests, args.places, args.concurrency)
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    ok = (found["won"] == found["people"] == found["codes"] == args.places
          and found["left"] == 0 and found["negative"] == 0
          and outcomes.get("allocated", 0) == args.places)
    print(f"{backend}: {args.requests} requests, {args.concurrency} in flight:"
          f" {wall:.1f} s, {args.requests / wall:.0f} req/s, p50 {p50:.0f} ms, p99 {p99:.0f} ms")
    print(f"  outcomes {dict(sorted(outcomes.items()))}")
    print(f"  database: {found['won']} places given to {found['people']} people,"
          f" {found['codes']} pickup codes, {found['left']} left, {found['negative']} slots"
          f" below zero -> {'OK' if ok else 'WRONG'}")
    print(f"  naive read-then-write peer: {given} places given for {args.places}"
          f" ({given - args.places} oversold) in {naive_s:.1f} s")
    if not ok:
        raise SystemExit(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--places", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix="reservation-load-") as tmp:
            run(backend, Path(tmp), args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
