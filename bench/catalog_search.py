"""Finding a service by pinyin initials: the core's search and a tap on the catalog screen.

The catalog has Xuhui's size (296 personal + 377 enterprise = 673 items), made from the
36 demo items with distinct name suffixes. The core's peer is the naive approach in the
same run: compute every item's initials again on each keystroke instead of reading the
ones the catalog carries (computed where it was built) once per catalog. The screen
part taps letters on the catalog screen and waits for the list to show and paint; the
kiosk lists the first LIST_LIMIT matches, its peer lists them all.

    python bench/catalog_search.py [--runs 200] [--taps 12]

Writes its tables to stdout; bench/RESULTS.md records a run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from textual.containers import VerticalScroll
from textual.widgets import Input, Static

from contracts.catalog import Catalog, load_catalog
from contracts.clock import FakeClock
from contracts.pinyin_initials import initials
from kiosk.catalog_search import CatalogIndex
from screens.app import KioskApp
from screens.catalog import LIST_LIMIT, CatalogScreen
from screens.home import HomeScreen
from tests.support.kiosk_driver import on_screen, tap, until
from wiring.assembly import assemble
from wiring.config import DEMO_CONFIG, load_config

ITEMS = 673
SUFFIXES = ("申请", "变更", "注销", "补办", "查询", "备案", "年检", "换证", "延续", "迁移",
            "核准", "认定", "登记", "确认", "审批", "撤销", "公示", "证明", "办理")
NEEDLES = ("G", "GJ", "GJJ", "GJJT", "DJ", "HYDJ", "QYBG")


def big_catalog(base: Catalog, size: int = ITEMS) -> Catalog:
    items = []
    for n in range(size):
        item = base.items[n % len(base.items)]
        round_ = n // len(base.items)
        suffix = SUFFIXES[round_ % len(SUFFIXES)] if round_ else ""
        items.append(item.model_copy(update={
            "id": f"{item.id}-{round_}" if round_ else item.id,
            "name_zh": item.name_zh + suffix, "hot_rank": item.hot_rank if not round_ else None,
            # As the platform builds a catalog: with its initials (the kiosk reads them).
            "initials_zh": initials(item.name_zh + suffix),
        }))
    return base.model_copy(update={"items": tuple(items)})


def naive_find(catalog: Catalog, needle: str) -> list[str]:
    found = []
    for item in catalog.items:
        letters = [k for k in initials(item.name_zh) if k]
        for start in range(len(letters) - len(needle) + 1):
            if all(c in letters[start + i] for i, c in enumerate(needle)):
                found.append(item.id)
                break
    return found


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """(median, max) in ms."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def import_ms() -> float:
    code = "import time; t = time.perf_counter(); import pypinyin; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout) * 1000


def core_table(catalog: Catalog, runs: int) -> None:
    build, _ = timed(lambda: CatalogIndex(catalog), 5)
    index = CatalogIndex(catalog)
    print(f"{len(catalog.items)} items; `import pypinyin` in a fresh process: "
          f"{min(import_ms() for _ in range(3)):.0f} ms; index build: {build:.1f} ms\n")
    print("| letters | matches | index: median ms | index: max ms | naive: median ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for needle in NEEDLES:
        med, worst = timed(lambda n=needle: index.find(n, "zh-CN"), runs)  # type: ignore[misc]
        naive, _ = timed(lambda n=needle: naive_find(catalog, n), max(3, runs // 20))  # type: ignore[misc]
        count = len(index.find(needle, "zh-CN"))
        print(f"| {needle} | {count} | {med:.3f} | {worst:.3f} | {naive:.1f} |")


async def list_all(screen: CatalogScreen) -> None:
    """The peer: every match gets a button."""
    text = screen.query_one("#search", Input).value
    items = screen.api.find_items(text, screen.t.lang, screen.category)
    box = screen.query_one("#items", VerticalScroll)
    await box.remove_children()
    await box.mount_all(screen.item_buttons(items))
    screen.query_one("#result-count", Static).update(screen.count_text(len(items)))


async def screen_table(catalog_size: int, taps: int, peer: bool) -> tuple[float, float, int]:
    """(median, max) ms from a tap to the list shown and painted; the number of taps."""
    with tempfile.TemporaryDirectory() as folder:
        assembly = assemble(load_config(DEMO_CONFIG, data_dir=Path(folder)), FakeClock())
        assembly.api.catalog = big_catalog(assembly.api.catalog, catalog_size)
        app = KioskApp(assembly.api, sync_in_background=False)
        times = []
        async with app.run_test(size=(120, 40)) as pilot:
            await on_screen(pilot, HomeScreen)
            await tap(pilot, "#start")
            await on_screen(pilot, CatalogScreen)
            screen = app.screen
            assert isinstance(screen, CatalogScreen)
            if peer:
                screen.show_items = partial(list_all, screen)  # type: ignore[method-assign]
            box = screen.query_one("#items", VerticalScroll)

            def shown() -> list[str]:
                return [b.id or "" for b in box.children]

            limit = len(assembly.api.catalog.items) if peer else LIST_LIMIT

            for n in range(taps):
                letters = "GJJ" if n % 2 == 0 else "DJ"
                for typed in range(1, len(letters) + 1):
                    found = assembly.api.find_items(letters[:typed], "zh-CN")
                    want = [f"item-{i.id}" for i in found[:limit]]
                    start = time.perf_counter()
                    await pilot.click(f"#key-{letters[typed - 1]}")
                    await until(lambda w=want: shown() == w, timeout=60)  # type: ignore[misc]
                    await pilot.pause()
                    times.append((time.perf_counter() - start) * 1000)
                await pilot.click("#key-clear")
                await until(lambda: len(shown()) == min(catalog_size, limit), timeout=60)
        assembly.close()
        return statistics.median(times), max(times), len(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--taps", type=int, default=12)
    args = parser.parse_args()
    base = load_catalog(Path(__file__).resolve().parent.parent / "contracts/data/catalog.toml")
    core_table(big_catalog(base), args.runs)
    print("\nA tap on the catalog keypad until the list and its count show, 120x40 headless\n")
    print("| catalog items | list | taps | median ms | max ms |")
    print("| ---: | --- | ---: | ---: | ---: |")
    for size in (len(base.items), ITEMS):
        for peer in (False, True):
            med, worst, count = asyncio.run(screen_table(size, args.taps, peer))
            how = "naive: every match" if peer else f"kiosk: first {LIST_LIMIT}"
            print(f"| {size} | {how} | {count} | {med:.0f} | {worst:.0f} |")


if __name__ == "__main__":
    main()
