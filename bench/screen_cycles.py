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

from kiosk.clock import FakeClock  # noqa: E402
from kiosk.config import DEMO_CONFIG, load_config  # noqa: E402
from kiosk.services import build_services  # noqa: E402
from screens.app import KioskApp  # noqa: E402
from screens.catalog import CatalogScreen  # noqa: E402
from screens.home import HomeScreen  # noqa: E402
from screens.identify import IdentifyScreen  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


async def run(cycles: int, naive: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        services = build_services(load_config(DEMO_CONFIG, data_dir=Path(tmp)), FakeClock())
        app = KioskApp(services, sync_in_background=False)
        item = services.catalog.get("marriage-record-proof")
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()

            async def show(screen_type: type) -> None:
                if naive:
                    await app.push_screen(screen_type())
                else:
                    await app.switch_screen(screen_type())
                await pilot.pause()

            async def visit() -> None:
                app.session.reset()
                app.session.start()
                await show(CatalogScreen)
                app.session.choose(item)
                await show(IdentifyScreen)
                app.session.reset()
                await show(HomeScreen)

            for _ in range(5):  # warm up caches before the baseline
                await visit()
            gc.collect()
            start_rss, t0 = rss_mb(), time.perf_counter()
            for _ in range(cycles):
                await visit()
            elapsed = time.perf_counter() - t0
            gc.collect()
            end_rss = rss_mb()
            depth = len(app.screen_stack)
        services.close()
    return {
        "ms_per_visit": elapsed / cycles * 1000,
        "rss_growth_mb": end_rss - start_rss,
        "kb_per_visit": (end_rss - start_rss) * 1024 / cycles,
        "stack_depth": depth,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cycles", type=int, default=300)
    args = parser.parse_args()
    kiosk = asyncio.run(run(args.cycles, naive=False))
    naive = asyncio.run(run(args.cycles, naive=True))
    print(f"{args.cycles} visits (home -> catalog of 36 items -> identify -> home), 120x40\n")
    print("| approach | ms per visit | RSS growth MB | KB per visit | screens on stack |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, r in (("kiosk: switch_screen", kiosk), ("naive: push, never pop", naive)):
        print(f"| {name} | {r['ms_per_visit']:.1f} | {r['rss_growth_mb']:.1f} | "
              f"{r['kb_per_visit']:.1f} | {r['stack_depth']} |")
    ratio = naive["rss_growth_mb"] / kiosk["rss_growth_mb"] if kiosk["rss_growth_mb"] > 0.1 else None
    print(f"\nnaive/kiosk time per visit: {naive['ms_per_visit'] / kiosk['ms_per_visit']:.2f}x")
    if ratio is not None:
        print(f"naive/kiosk memory growth: {ratio:.1f}x")


if __name__ == "__main__":
    main()
