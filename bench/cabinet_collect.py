"""A pickup code shown -> its compartment's door open, through the whole kiosk: the
platform redeems the code (HTTP on loopback to the embedded platform, SQLite), the
cabinet journal moves the compartment and journals the command, the real driver opens
the door on the pty mock boards at 9600 baud and reads the sensor.

The limit beside it is the wire time of the door's exchanges (open + answer, sensor read
+ answer: 20 bytes, 20.8 ms at 9600 baud 8N1): a person cannot be served faster than the
line allows. The rest is the platform's redemption and the journal's writes (SQLite,
synchronous=FULL: each an fsync).

    python bench/cabinet_collect.py [--runs 60] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import platform
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from contracts.clock import SystemClock
from contracts.wire import Applicant, ApplicationPayload, KioskDecision, Transaction
from devices.cabinet.mock_cabinet import wire_time_s
from kiosk.cabinet_layout import Size
from server.db import pickups
from server.ingest import ingest_batch
from server.keyring import pseudonym_key
from wiring.assembly import Assembly, assemble
from wiring.config import DEMO_CONFIG, load_config

DOOR_BYTES = 5 + 5 + 5 + 5
DESK = "BENCH-DESK"


def _approved(assembly: Assembly, n: int) -> str:
    """An approved case on the embedded platform, made as an application is."""
    embedded = assembly.connection.embedded
    assert embedded is not None
    reference = f"BENCH-{n:06d}"
    now = datetime.now(UTC)
    payload = ApplicationPayload(
        identity=Applicant(name="测试", id_number="110101199003074258", source="card"),
        answers={}, decision=KioskDecision(outcome="approved"))
    tx = Transaction(id=str(uuid.uuid4()), kiosk_id=DESK, seq=n + 1, kind="application",
                     item_id="driving-licence-renewal", reference=reference,
                     created_at=now.isoformat(), payload=payload.model_dump(mode="json"))
    cipher = embedded.platform.cipher
    assert cipher is not None
    result = ingest_batch(embedded.engine, [tx.model_dump(mode="json")], now, DESK,
                          pseudonym_key(embedded.engine, cipher), cipher=cipher)
    assert result[0].status == "accepted", result[0]
    return reference


def _loaded_code(assembly: Assembly, reference: str) -> str:
    desk = assembly.api.cabinet
    sim = assembly.hub.mocks.cabinet if assembly.hub.mocks else None
    assert desk is not None and sim is not None
    answer = desk.load(reference, Size.SMALL)
    assert answer.view is not None, answer
    sim.push_closed(answer.view.compartment.door)
    assert desk.finish_load(answer.view.number).outcome == "ready"
    embedded = assembly.connection.embedded
    assert embedded is not None
    with embedded.engine.connect() as conn:
        return str(conn.execute(select(pickups.c.code).where(pickups.c.ref == reference))
                   .scalar())


def bench(runs: int, profile: bool) -> tuple[list[float], list[float], list[float]]:
    totals, redeems, doors = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(DEMO_CONFIG, data_dir=Path(tmp) / "data")
        config.devices.cabinet.auto_close_s = None
        assembly = assemble(config, SystemClock())
        sim = assembly.hub.mocks.cabinet if assembly.hub.mocks else None
        assert sim is not None
        profiler = cProfile.Profile() if profile else None
        try:
            api = assembly.api
            for n in range(runs + 3):
                code = _loaded_code(assembly, _approved(assembly, n))
                if profiler is not None and n >= 3:
                    profiler.enable()
                start = time.perf_counter()
                answer = api.redeem_pickup(code)
                redeemed = time.perf_counter()
                assert answer.compartment is not None, answer
                opened = api.cabinet_open(answer.compartment.number)
                end = time.perf_counter()
                if profiler is not None:
                    profiler.disable()
                assert opened.opened
                sim.push_closed(answer.compartment.compartment.door)
                assert api.cabinet_finish_release(answer.compartment.number)
                if n >= 3:  # the first few warm up connections and caches
                    totals.append((end - start) * 1000)
                    redeems.append((redeemed - start) * 1000)
                    doors.append((end - redeemed) * 1000)
        finally:
            assembly.close()
        if profiler is not None:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(15)
            print(out.getvalue(), file=sys.stderr)
    return sorted(totals), sorted(redeems), sorted(doors)


def _p95(values: list[float]) -> float:
    return values[min(len(values) - 1, int(len(values) * 0.95))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    totals, redeems, doors = bench(args.runs, args.profile)
    wire = wire_time_s(DOOR_BYTES, 9600) * 1000
    print(f"{args.runs} collections; {platform.machine()}, {platform.python_version()}")
    print()
    print("| step | median ms | p95 ms | wire time ms | median / wire |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, values in (("code shown -> door open", totals),
                         ("  the platform's redemption", redeems),
                         ("  journal + door open + sensor read", doors)):
        median = statistics.median(values)
        print(f"| {name} | {median:.1f} | {_p95(values):.1f} | {wire:.1f} "
              f"| {median / wire:.2f}x |")


if __name__ == "__main__":
    main()
