"""Opening a cabinet door through the real driver and the pty mock cabinet at the boards'
baud rate, against the wire time of the bytes exchanged.

An opening is two exchanges on the line: the open command and its answer (5 + 5 bytes)
and the read of the door sensor that follows (5 + 5); with the board's door states read
after it (5 + 7 bytes for a 24-channel board), 32 bytes. At 9600 baud 8N1 a byte takes
1.04 ms. The mock paces both directions (a command is acted on once its bytes would have
arrived), so the figure above wire time is the driver's, the pty's and the scheduler's.
An unpaced run shows that overhead alone.

    python bench/cabinet_open.py [--opens 200] [--baudrate 9600] [--profile]
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
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devices.cabinet import Door, MockCabinet, SerialLockBoards
from devices.cabinet.mock_cabinet import wire_time_s
from devices.serialport import PathPort

OPEN_BYTES = 5 + 5 + 5 + 5  # open + answer, sensor read + answer
STATES_BYTES = 5 + 7  # board read + its 3-status-byte answer
DOORS = 24


def _timed(opens: int, run: Callable[[Door], object], mock: MockCabinet) -> list[float]:
    times = []
    for n in range(opens):
        door = Door(1, n % DOORS + 1)
        mock.push_closed(door)
        start = time.perf_counter()
        run(door)
        times.append((time.perf_counter() - start) * 1000)
    return sorted(times)


def bench(opens: int, baudrate: int, paced: bool, profile: bool) -> list[str]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        mock = MockCabinet(Path(tmp) / "cabinet", doors=DOORS, baudrate=baudrate,
                           pace=paced).start()
        driver = SerialLockBoards(PathPort(mock.port), {1: DOORS}, baudrate=baudrate)
        try:
            driver.check()

            def open_only(door: Door) -> object:
                opening = driver.open_door(door)
                assert opening.opened
                return opening

            def open_and_states(door: Door) -> object:
                open_only(door)
                return driver.door_states(1)

            profiler = cProfile.Profile() if profile else None
            for name, run, nbytes in (("open_door", open_only, OPEN_BYTES),
                                      ("open_door + door_states", open_and_states,
                                       OPEN_BYTES + STATES_BYTES)):
                _timed(5, run, mock)  # warm up
                if profiler is not None:
                    profiler.enable()
                times = _timed(opens, run, mock)
                if profiler is not None:
                    profiler.disable()
                wire = wire_time_s(nbytes, baudrate) * 1000 if paced else 0.0
                p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
                median = statistics.median(times)
                ratio = f"{median / wire:.2f}x" if wire else "-"
                line = f"pty paced at {baudrate} baud" if paced else "pty unpaced"
                rows.append(f"| {name} | {line} | {nbytes} | {median:.1f} | {p95:.1f} "
                            f"| {times[0]:.1f} | {wire:.1f} | {ratio} |")
            if profiler is not None:
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(12)
                print(out.getvalue(), file=sys.stderr)
        finally:
            driver.close()
            mock.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--opens", type=int, default=200)
    parser.add_argument("--baudrate", type=int, default=9600)
    parser.add_argument("--profile", action="store_true", help="cProfile the paced run")
    args = parser.parse_args()
    print(f"{args.opens} openings each; {platform.machine()}, {platform.python_version()}")
    print()
    print("| call | line | bytes on the wire | median ms | p95 ms | min ms | wire time ms "
          "| median / wire |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for paced in (True, False):
        for row in bench(args.opens, args.baudrate, paced, args.profile and paced):
            print(row, flush=True)


if __name__ == "__main__":
    main()
