"""The monkey's long run (issue 13, "Done means"): many thousand seeded random keys, taps,
cards and codes against the demo kiosk on its mock devices, with the same driver as
tests/ui/test_monkey.py (tests/support/monkey.py).

    python bench/monkey.py [SEED ...] [--events 20000]

For each seed: events per second, the screens visited, the faults the kiosk counted and
logged, tracebacks seen, whether it stopped, and memory. bench/RESULTS.md records a run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from contracts.clock import FakeClock
from screens.app import KioskApp
from tests.support.monkey import KIOSK_SCREENS, Monkey, MonkeyReport
from wiring.assembly import assemble
from wiring.config import DEMO_CONFIG, load_config


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


async def run(seed: int, events: int, done_min_s: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(DEMO_CONFIG, data_dir=Path(tmp))
        config.idle.done_min_s = done_min_s
        clock = FakeClock()
        assembly = assemble(config, clock)
        try:
            app = KioskApp(assembly.api, sync_in_background=False)
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.pause()
                start_rss = rss_mb()
                monkey = Monkey(pilot, random.Random(seed), assembly, clock)
                started = time.perf_counter()
                report: MonkeyReport = await monkey.run(events)
                elapsed = time.perf_counter() - started
                end_rss = rss_mb()
                final = type(app.screen).__name__ if app.is_running else "(stopped)"
                usable = app.is_running and isinstance(app.screen, KIOSK_SCREENS)
                outbox = assembly.store.outbox.summary()
            return {
                "report": report, "elapsed": elapsed, "start_rss": start_rss,
                "end_rss": end_rss, "final": final, "usable": usable,
                "ui_faults": assembly.api.ui_faults, "return_code": app.return_code,
                "submitted": outbox.pending + outbox.acknowledged + outbox.purged,
            }
        finally:
            assembly.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("seeds", nargs="*", type=int, default=[1])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--done-min-s", type=float, default=0.3,
                        help="the done screen's real-time pause before rating (demo: 3)")
    args = parser.parse_args()
    print(f"{args.events} events per seed, 120x40, demo config on mock devices,"
          f" done_min_s {args.done_min_s:g}\n")
    for seed in args.seeds:
        r = asyncio.run(run(seed, args.events, args.done_min_s))
        report = r["report"]
        assert isinstance(report, MonkeyReport)
        elapsed = float(r["elapsed"])  # type: ignore[arg-type]
        print(f"seed {seed}: {report.events} events in {elapsed:.0f} s"
              f" ({report.events / elapsed:.1f} events/s)")
        print(f"  screens: {', '.join(f'{k} {v}' for k, v in report.visits.most_common())}")
        print(f"  actions: {', '.join(f'{k} {v}' for k, v in report.actions.most_common())}")
        print(f"  applications submitted: {r['submitted']}")
        print(f"  ui faults: {r['ui_faults']}; tracebacks: {report.tracebacks};"
              f" stopped: {report.stopped} (return code {r['return_code']});"
              f" final screen: {r['final']} (usable: {r['usable']})")
        for line in report.faults:
            print(f"  logged: {line}")
        print(f"  RSS {r['start_rss']:.0f} -> {r['end_rss']:.0f} MB;"
              f" peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB",
              flush=True)


if __name__ == "__main__":
    main()
