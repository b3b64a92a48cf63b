"""20,000 concurrent reservation requests for 2,000 places, against the platform as
deployed (``python -m server`` over a real socket), on SQLite and on PostgreSQL.

The stream: 16,000 people, 4,000 of whom ask twice from another kiosk, spread
over 50 kiosks and 20 pickup slots of 100 places each (first come). Afterwards
the database must hold exactly 2,000 places given, to 2,000 different people,
every slot at zero and one pickup code per place.

Beside the platform's rate and p50/p95/p99, in the same run:

- the load generator's own ceiling: the same requests from the same processes (raw
  HTTP/1.1 on kept-alive sockets, ``--processes`` of them) against a server that does
  no work, so a reader sees the platform, not the generator, was measured;
- on PostgreSQL, pgbench's rate for the same allocation (the conditional ``UPDATE``
  of a slot plus the ``INSERT`` of the entry) on the same database, and the ratio;
- the naive allocation many first versions ship (read the places left, then write
  one fewer, as two statements), straight against the engine: how many it oversold.

    python bench/reservation_load.py [--requests 20000] [--places 2000]
        [--concurrency 200] [--processes 2] [--workers 2] [--backend sqlite|postgresql]
        [--profile DIR]     # py-spy on the platform: DIR/<backend>.raw, collapsed stacks
        [--stages]          # each request's life in the platform, stage by stage
                            # (PLATFORM_ENTRY_TRACE: server.entry_desk.StageTrace)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, make_url, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from contracts.identity import check_digit
from contracts.platform_api import RoundConfig
from server.credentials import enrol
from server.db import entries, make_engine, pickups, round_stock
from server.entry_desk import TRACE_ENV
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


def start_server(db: str, folder: Path, workers: int, profile: Path | None,
                 stages: Path | None = None, access_log: bool = False
                 ) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [sys.executable, "-m", "server", "--db", db, "--port", str(port),
               "--signing-key", str(folder / "sign.key"), "--workers", str(workers),
               # A load test is many kiosks' worth of people per credential: lift the limit.
               "--rate-limit", "1000000"]
    if not access_log:  # a flag the deployed platform offers (python -m server --help)
        command.append("--no-access-log")
    if profile is not None:  # py-spy samples every thread (and worker) while it serves
        command = ["py-spy", "record", "--subprocesses", "--threads", "--format", "raw",
                   "-r", "200", "-o", str(profile), "--", *command]
    env = dict(os.environ)
    if stages is not None:
        env[TRACE_ENV] = str(stages)
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, env=env)
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


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)  # py-spy writes its profile when the server ends
    _, err = process.communicate(timeout=60)
    lines = [line for line in err.decode(errors="replace").splitlines()
             if "Traceback" in line or "Error" in line]
    if lines:
        print("\n".join(lines[-20:]), file=sys.stderr)


# -- the load generator: raw HTTP/1.1 on kept-alive sockets, in processes of its own ----
# httpx in one process topped out near the platform's old rate, so it could not tell
# the two apart; this client spends a few microseconds a request and reports its own
# ceiling against a trivial server in the same run.

@dataclass
class Shot:
    """What one generator process saw: latencies (s), outcomes, its start and end."""

    latencies: list[float] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    started: float = 0.0
    ended: float = 0.0


def _request(token: str, body: dict[str, Any]) -> bytes:
    data = json.dumps(body).encode()
    return (f"POST /api/v1/reservations HTTP/1.1\r\nHost: bench\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n").encode() + data


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    return status, await reader.readexactly(length)


async def _shoot(port: int, requests: list[bytes], connections: int, start_at: float) -> Shot:
    shot = Shot()
    pending = iter(range(len(requests)))

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for n in pending:
            begun = time.perf_counter()
            for attempt in range(3):
                try:
                    writer.write(requests[n])
                    status, body = await _answer(reader)
                    break
                except (asyncio.IncompleteReadError, ConnectionError):
                    # The server closed a kept-alive connection: resend, as a kiosk
                    # would; the same request id gets the first answer back.
                    shot.outcomes["resent"] = shot.outcomes.get("resent", 0) + 1
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    if attempt == 2:
                        raise
            shot.latencies.append(time.perf_counter() - begun)
            answer = json.loads(body) if status == 200 else {"status": f"http {status}"}
            key = answer["status"] if answer["status"] != "refused" else answer["reason"]
            shot.outcomes[key] = shot.outcomes.get(key, 0) + 1
        writer.close()

    while time.monotonic() < start_at:  # every process begins at the same moment
        await asyncio.sleep(0.001)
    shot.started = time.monotonic()
    await asyncio.gather(*(connection() for _ in range(connections)))
    shot.ended = time.monotonic()
    return shot


def _generator_process(port: int, requests: list[bytes], connections: int,
                       start_at: float) -> Shot:
    return asyncio.run(_shoot(port, requests, connections, start_at))


def fire(port: int, requests: list[bytes], concurrency: int, processes: int) -> Shot:
    """``requests`` from ``processes`` processes, ``concurrency`` connections in all."""
    share = [requests[p::processes] for p in range(processes)]
    start_at = time.monotonic() + 2.0  # time for every process to start
    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork")
                             ) as pool:
        shots = list(pool.map(_generator_process, [port] * processes, share,
                              [concurrency // processes] * processes, [start_at] * processes))
    total = Shot(started=min(s.started for s in shots), ended=max(s.ended for s in shots))
    for s in shots:
        total.latencies += s.latencies
        for key, count in s.outcomes.items():
            total.outcomes[key] = total.outcomes.get(key, 0) + count
    return total


async def _trivial_server(port: int) -> None:
    """Reads each request whole and answers a fixed refusal: no work at all."""
    body = b'{"status":"refused","reason":"sold_out"}'
    reply = (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
             + str(len(body)).encode() + b"\r\n\r\n" + body)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                await reader.readexactly(length)
                writer.write(reply)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


def generator_ceiling(requests: list[bytes], concurrency: int, processes: int) -> Shot:
    """The same generator against a server that does nothing: its own ceiling."""
    port = free_port()
    server = multiprocessing.get_context("fork").Process(
        target=lambda: asyncio.run(_trivial_server(port)), daemon=True)
    server.start()
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    try:
        return fire(port, requests, concurrency, processes)
    finally:
        server.terminate()
        server.join()


# -- the database's own rate for the same transaction ----------------------------------

PGBENCH_SCRIPT = """\\set n random(1, 2000000000)
\\set s random(1, 20)
BEGIN;
UPDATE round_stock SET remaining = remaining - 1
 WHERE round_id = 'pgbench' AND slot = 'pgb/s' || :s AND remaining > 0;
INSERT INTO entries (request_id, round_id, item_id, person, reference, kiosk_id,
                     document_type, choices, auto_entry, status, reason, detail, slot,
                     created_at, person_slot)
 VALUES (md5(:n::text || :client_id || random()::text), 'pgbench', 'masks',
         md5(:n::text), md5(random()::text), 'PGBENCH', 'resident_id', '[]', false,
         'won', '', '', 'pgb/s' || :s, now(), md5(random()::text || :client_id));
END;
"""


def pgbench(db: str, folder: Path, clients: int, seconds: int) -> float | None:
    """pgbench's rate (tps) for one allocation: the conditional UPDATE of a slot and the
    INSERT of the entry, on the platform's own tables (a round of its own, never sold out
    so every transaction writes both). None: no pgbench here."""
    if shutil.which("pgbench") is None:
        return None
    engine = make_engine(db)
    now = datetime.now(UTC)
    create_round(engine, RoundConfig(
        id="pgbench", mode="first_come", opens_at=now, closes_at=now + timedelta(days=1),
        quotas={f"pgb/s{s}": 1_000_000 for s in range(1, 21)}), now)
    engine.dispose()
    script = folder / "allocation.sql"
    script.write_text(PGBENCH_SCRIPT)
    url = make_url(db)
    env = {**os.environ, "PGPASSWORD": url.password or ""}
    done = subprocess.run(
        ["pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", "2", "-T", str(seconds),
         "-f", str(script), "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432),
         "-U", url.username or "postgres", url.database or "postgres"],
        env=env, capture_output=True, text=True, check=True)
    found = re.search(r"tps = ([\d.]+)", done.stdout)
    return float(found.group(1)) if found else None


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


# Where the platform's busy samples went (py-spy's collapsed stacks: "frame;frame N"):
# the first rule a stack matches names it. A thread parked with nothing to do (waiting
# for work, a lock or a connection) is left out; a wait for PostgreSQL's answer is not.
_PARKED = ("Condition.wait (", "EpollSelector.select (", "SimpleQueue.get", "Event.wait (",
           "select (uvloop")
PROFILE_RULES: list[tuple[str, tuple[str, ...]]] = [
    ("waiting on PostgreSQL (psycopg `wait`)", ("(psycopg/waiting.py", "wait (psycopg/")),
    ("SQLite commit (its fsync)", ("commit (sqlalchemy/engine/default.py",)),
    ("authenticating the credential", ("authenticate (server/credentials.py",)),
    ("the round's pseudonym key", ("round_key (server/keyring.py",)),
    ("the round's configuration", ("load_round (server/rounds.py",)),
    ("signing the pickup code", ("(server/signing.py",)),
    ("the entry: rules, SQL statements, the driver", ("(server/reservations.py",
                                                      "(server/entry_desk.py")),
    ("thread hand-offs (anyio, futures, wake-ups)", ("(anyio/", "concurrent/futures",
                                                     "call_soon_threadsafe",
                                                     "_write_to_self", "Condition.notify")),
    ("HTTP, FastAPI, pydantic, middleware on the event loop", ("",)),
]


def profile_breakdown(raw: Path) -> list[tuple[str, float]]:
    counts = dict.fromkeys((name for name, _ in PROFILE_RULES), 0)
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        leaf = stack.rsplit(";", 1)[-1]
        if any(mark in leaf for mark in _PARKED) and "(psycopg/" not in stack:
            continue
        name = next(name for name, marks in PROFILE_RULES
                    if any(mark in stack for mark in marks))
        counts[name] += int(n)
    total = sum(counts.values()) or 1
    return [(name, count / total) for name, count in counts.items()]


# A request's life in the platform (server.entry_desk.STAGES): each step from one
# timestamp to the next, and the whole from arrival to the answer's last byte written.
STEPS = [
    ("arrival -> handler: HTTP, routing, body validation, credential", "arrived", "handler"),
    ("handler -> desk queue", "handler", "queued"),
    ("queue -> its batch starts (waiting for the batches ahead)", "queued", "batch"),
    ("batch start -> commit (the batch's work and its commit)", "batch", "committed"),
    ("commit -> its answer set (the batch answered in order)", "committed", "answered"),
    ("answer set -> handler resumes (the event loop's wake-up)", "answered", "resumed"),
    ("handler resumes -> answer written", "resumed", "written"),
    ("in the platform: arrival -> written", "arrived", "written"),
]


def stage_report(folder: Path, stem: str) -> None:
    """The per-stage p50/p99 of every traced request, what the slowest 1 % spent in
    each stage, and the GC's pauses, from the files each worker wrote at shutdown."""
    records: list[list[float]] = []
    pauses: list[list[float]] = []
    frozen = 0
    for dumped in sorted(folder.glob(f"{stem}.*.json")):
        data = json.loads(dumped.read_text())
        stages = data["stages"]
        records += [r for r in data["records"] if all(v == v for v in r)]  # no NaN
        pauses += data["gc"]
        frozen = max(frozen, data["gc_frozen"])
    if not records:
        print("  stages: no traced request")
        return
    at = {name: n for n, name in enumerate(stages)}
    total = [r[at["written"]] - r[at["arrived"]] for r in records]
    tail_cut = sorted(total)[int(len(total) * 0.99)]
    tail = [r for r, t in zip(records, total, strict=True) if t >= tail_cut]
    print(f"  stages ({len(records)} requests; ms): p50 / p99 / mean of the slowest 1 %")
    for label, start, end in STEPS:
        spans = sorted((r[at[end]] - r[at[start]]) * 1000 for r in records)
        mean_tail = sum((r[at[end]] - r[at[start]]) * 1000 for r in tail) / len(tail)
        print(f"    {spans[len(spans) // 2]:8.1f} {spans[int(len(spans) * 0.99)]:8.1f}"
              f" {mean_tail:8.1f}  {label}")
    first = min(r[at["arrived"]] for r in records)
    when = sorted(r[at["arrived"]] - first for r in tail)
    print(f"    the slowest 1 % arrived {when[0]:.2f}-{when[-1]:.2f} s after the first"
          f" request (median {when[len(when) // 2]:.2f} s)")
    for name, part in (("in the first second", [t for r, t in zip(records, total, strict=True)
                                                 if r[at["arrived"]] - first < 1.0]),
                       ("after it", [t for r, t in zip(records, total, strict=True)
                                     if r[at["arrived"]] - first >= 1.0])):
        if part:
            part.sort()
            print(f"    arrived {name}: {len(part)} requests, in the platform p50"
                  f" {part[len(part) // 2] * 1000:.0f} ms, p99"
                  f" {part[int(len(part) * 0.99)] * 1000:.0f} ms")
    sizes = sorted(r[-1] for r in records)
    print(f"    batch size p50 {sizes[len(sizes) // 2]:.0f}, max {sizes[-1]:.0f}")
    young = [p for p in pauses if p[2] < 2]
    old = [p for p in pauses if p[2] == 2]
    for name, group in (("gen 0-1", young), ("gen 2", old)):
        if group:
            longest = max((p[1] - p[0]) * 1000 for p in group)
            spent = sum((p[1] - p[0]) * 1000 for p in group)
            print(f"    GC {name}: {len(group)} pauses, {spent:.0f} ms in all,"
                  f" the longest {longest:.1f} ms")
    hit = sum(1 for r in tail if any(p[0] < r[at["written"]] and p[1] > r[at["arrived"]]
                                     and p[2] == 2 for p in pauses))
    print(f"    the slowest 1 % overlapping a gen-2 pause: {hit} of {len(tail)};"
          f" objects frozen at start: {frozen}")


def percentiles(latencies: list[float]) -> tuple[float, float, float]:
    """p50, p95, p99 in milliseconds."""
    ordered = sorted(latencies)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000

    return at(0.50), at(0.95), at(0.99)


def run(backend: str, folder: Path, args: argparse.Namespace) -> bool:
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    with platform_database(backend, folder) as db:
        tokens = prepare(db, args.places)
        requests = [_request(tokens[k], body) for k, body in
                    request_stream(args.requests, seed=7)]
        ceiling = generator_ceiling(requests, args.concurrency, args.processes)
        workers = args.workers if backend == "postgresql" else 1
        process, url = start_server(db, folder, workers,
                                    folder / "profile.raw" if args.profile else None,
                                    folder / "stages" if args.stages else None,
                                    args.access_log)
        try:
            shot = fire(int(url.rsplit(":", 1)[1]), requests, args.concurrency,
                        args.processes)
        finally:
            stop_server(process)
        if args.profile:
            kept = Path(args.profile) / f"{backend}.raw"
            shutil.copy(folder / "profile.raw", kept)
            for name, share in profile_breakdown(kept):
                print(f"  profile: {share:6.1%} {name}")
        found = audit(db)
        peer = (pgbench(db, folder, args.pgbench_clients, args.pgbench_seconds)
                if backend == "postgresql" else None)
        given, naive_s = naive_peer(db, args.requests, args.places, args.concurrency)
    wall = shot.ended - shot.started
    rate, top = args.requests / wall, args.requests / (ceiling.ended - ceiling.started)
    p50, p95, p99 = percentiles(shot.latencies)
    ok = (found["won"] == found["people"] == found["codes"] == args.places
          and found["left"] == 0 and found["negative"] == 0
          and shot.outcomes.get("allocated", 0) == args.places)
    print(f"{backend}: {args.requests} requests, {args.concurrency} in flight from"
          f" {args.processes} generator processes, {workers} platform worker(s)")
    print(f"  generator ceiling (trivial server, same run): {top:,.0f} req/s")
    print(f"  platform: {wall:.1f} s, {rate:,.0f} req/s ({rate / top:.0%} of the ceiling),"
          f" p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms")
    if peer is not None:
        print(f"  pgbench, the same allocation, {args.pgbench_clients} clients:"
              f" {peer:,.0f} tps; platform/pgbench = {rate / peer:.0%}")
    print(f"  outcomes {dict(sorted(shot.outcomes.items()))}")
    print(f"  load average at the start: {load}")
    if args.stages:
        stage_report(folder, "stages")
    print(f"  database: {found['won']} places given to {found['people']} people,"
          f" {found['codes']} pickup codes, {found['left']} left, {found['negative']} slots"
          f" below zero -> {'OK' if ok else 'WRONG'}")
    print(f"  naive read-then-write peer: {given} places given for {args.places}"
          f" ({given - args.places} oversold) in {naive_s:.1f} s")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--places", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--processes", type=int, default=2, help="generator processes")
    parser.add_argument("--workers", type=int, default=2,
                        help="platform worker processes on PostgreSQL (SQLite: one)")
    parser.add_argument("--pgbench-clients", type=int, default=50)
    parser.add_argument("--pgbench-seconds", type=int, default=10)
    parser.add_argument("--profile", metavar="DIR", help="run the platform under py-spy and"
                        " keep its samples in DIR/<backend>.raw (collapsed stacks)")
    parser.add_argument("--stages", action="store_true", help="trace each request's life"
                        " in the platform (bench only: PLATFORM_ENTRY_TRACE) and print each"
                        " stage's p50/p99 and what the slowest 1 %% spent where")
    parser.add_argument("--access-log", action="store_true", help="keep uvicorn's line"
                        " per request (the platform's default; the bench turns it off)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--breakdown", metavar="RAW", help="only print the breakdown of a"
                        " profile kept earlier (DIR/<backend>.raw)")
    args = parser.parse_args()
    if args.breakdown:
        for name, share in profile_breakdown(Path(args.breakdown)):
            print(f"{share:6.1%} {name}")
        return 0
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    ok = True
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix="reservation-load-") as tmp:
            ok = run(backend, Path(tmp), args) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
