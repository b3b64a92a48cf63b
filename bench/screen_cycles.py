"""Memory and time across many journeys' worth of screen changes.

The kiosk replaces each journey step's screen (``switch_screen``), so a day of
visitors leaves nothing behind. The peer is the naive approach, pushing each
step's screen and never popping, measured in the same run.

    python bench/screen_cycles.py [--cycles 300]

Writes its table to stdout; bench/RESULTS.md records a run.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from contracts.clock import FakeClock
from screens.app import KioskApp
from screens.catalog import CatalogScreen
from screens.home import HomeScreen
from screens.identify import IdentifyScreen
from wiring.assembly import assemble
from wiring.config import DEMO_CONFIG, load_config

WARM_UP = 50


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


async def run(cycles: int, naive: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        assembly = assemble(load_config(DEMO_CONFIG, data_dir=Path(tmp)), FakeClock())
        app = KioskApp(assembly.api, sync_in_background=False)
        item = assembly.api.catalog.get("marriage-record-proof")
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()

            switching = 0.0

            async def show(screen_type: type) -> None:
                nonlocal switching
                t = time.perf_counter()
                if naive:
                    await app.push_screen(screen_type())
                else:
                    await app.switch_screen(screen_type())
                switching += time.perf_counter() - t
                await pilot.pause()  # let timers and workers run, as between real taps

            async def visit() -> None:
                app.session.reset()
                app.session.start()
                await show(CatalogScreen)
                app.session.choose(item)
                await show(IdentifyScreen)
                app.session.reset()
                await show(HomeScreen)

            for _ in range(WARM_UP):  # Textual's caches fill during the first visits
                await visit()
            gc.collect()
            start_rss, switching = rss_mb(), 0.0
            for _ in range(cycles):
                await visit()
            gc.collect()
            end_rss = rss_mb()
            depth = len(app.screen_stack)
        assembly.close()
    return {
        "ms_per_visit": switching / cycles * 1000,
        "rss_growth_mb": end_rss - start_rss,
        "kb_per_visit": (end_rss - start_rss) * 1024 / cycles,
        "stack_depth": depth,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cycles", type=int, default=150)
    args = parser.parse_args()
    print(f"{args.cycles} visits (home -> catalog of 36 items -> identify -> home), 120x40,"
          f" after {WARM_UP} warm-up visits; ms = time inside the three screen changes\n")
    print("| approach | ms per visit | RSS growth MB | KB per visit | screens on stack |")
    print("| --- | ---: | ---: | ---: | ---: |", flush=True)
    results = {}
    for name, naive in (("kiosk: switch_screen", False), ("naive: push, never pop", True)):
        r = results[name] = asyncio.run(run(args.cycles, naive=naive))
        print(f"| {name} | {r['ms_per_visit']:.1f} | {r['rss_growth_mb']:.1f} | "
              f"{r['kb_per_visit']:.1f} | {r['stack_depth']} |", flush=True)
    kiosk, naive_r = results.values()
    print(f"\nnaive/kiosk time per visit: {naive_r['ms_per_visit'] / kiosk['ms_per_visit']:.2f}x")
    print(f"naive/kiosk memory per visit: "
          f"{naive_r['kb_per_visit'] / max(kiosk['kb_per_visit'], 0.1):.0f}x")


if __name__ == "__main__":
    main()
