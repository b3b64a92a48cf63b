"""Kiosk start to an interactive home screen, beside its floor in the same run, and what
the start spends its imports on.

Each run starts ``python main.py --platform-url URL --data-dir TMP`` on a 120x40
pseudo-terminal (as bench/kiosk_memory.py does), waits for the home screen to be drawn,
then presses ``1`` (the first hot item) and waits for the identify screen: the home
screen is interactive once it answers a key. The peer, in turn with it, is
``python -c "import textual.app"``: the floor no Textual kiosk can start below.
Each checkout keeps one data folder across its runs (a kiosk restarting, after a
warm-up start). Then one run per checkout under ``python -X importtime`` gives the top import costs:
for each library, the cumulative time of the import that first loaded it, and which
module of ours (or of another library) pulled it in.

    python bench/startup.py [--vs OTHER_CHECKOUT] [--runs 5] [--platform-url URL] [--top 15]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.kiosk_memory import HERE, HOME_TEXT, kiosk_on_pty

IDENTIFY_TEXT = "身份核验".encode()  # the identify screen's title
PEER = [sys.executable, "-c", "import textual.app"]
OURS = {"main", "wiring", "screens", "kiosk", "devices", "offline_cache", "contracts", "server"}
_IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def kiosk_run(checkout: Path, url: str, tmp: Path) -> tuple[float, float]:
    """(start to home drawn, start to the home screen's answer to a key), seconds."""
    with kiosk_on_pty(checkout, url, tmp) as kiosk:
        drawn = kiosk.wait_for(HOME_TEXT)
        kiosk.press(b"1")
        return drawn, kiosk.wait_for(IDENTIFY_TEXT)


def peer_run() -> float:
    start = time.perf_counter()
    subprocess.run(PEER, check=True, capture_output=True)
    return time.perf_counter() - start


def import_profile(checkout: Path, url: str, tmp: Path) -> list[tuple[int, int, int, str]]:
    """(self us, cumulative us, depth, module) for each import of a start to home."""
    with kiosk_on_pty(checkout, url, tmp, python_flags=("-X", "importtime")) as kiosk:
        kiosk.wait_for(HOME_TEXT)
        text = kiosk.log.decode("utf-8", "replace")
    return [(int(m[1]), int(m[2]), len(m[3]) // 2, m[4]) for m in _IMPORT_LINE.finditer(text)]


def top_costs(rows: list[tuple[int, int, int, str]], top: int) -> list[str]:
    """Per library (top-level package not ours): the cumulative cost of the imports that
    first loaded it, from whom; ours are split by the module of ours that was imported
    directly by something outside its package."""
    costs: dict[str, list[tuple[int, str, str]]] = {}
    for i, (_, cumulative, depth, name) in enumerate(rows):
        parent = next((r[3] for r in rows[i + 1:] if r[2] < depth), "(a call at run time)")
        root, parent_root = name.split(".")[0], parent.split(".")[0]
        if root == parent_root or root in OURS:
            continue
        costs.setdefault(root, []).append((cumulative, name, parent))
    ranked = sorted(costs.items(), key=lambda kv: -sum(c for c, _, _ in kv[1]))
    lines = []
    for root, found in ranked[:top]:
        found.sort(reverse=True)
        via = "; ".join(f"{name} <- {parent}" for _, name, parent in found[:2])
        lines.append(f"| {root} | {sum(c for c, _, _ in found) / 1000:.0f} | {via} |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vs", type=Path, help="another checkout to measure in the same run")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--platform-url", default="http://127.0.0.1:9")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    checkouts = [("this checkout", HERE)] + ([("--vs " + str(args.vs), args.vs)] if args.vs else [])
    peer: list[float] = []
    drawn: dict[str, list[float]] = {name: [] for name, _ in checkouts}
    answered: dict[str, list[float]] = {name: [] for name, _ in checkouts}
    # One data folder per checkout across its runs: a kiosk restarting, not its first
    # start ever (the warm-up start makes the store and any cache the checkout keeps).
    folders = {name: Path(tempfile.mkdtemp(prefix="startup-")) for name, _ in checkouts}
    peer_run()
    for name, path in checkouts:
        kiosk_run(path, args.platform_url, folders[name])
    for _ in range(args.runs):  # in turn, so drift of the machine hits all alike
        peer.append(peer_run())
        for name, path in checkouts:
            home, answer = kiosk_run(path, args.platform_url, folders[name])
            drawn[name].append(home)
            answered[name].append(answer)
    med = statistics.median
    print(f"Start to an interactive home screen, platform {args.platform_url},"
          f" {args.runs} runs in turn, median (min-max) seconds")
    print()
    print("| command | home drawn | home answers a key | answer / peer |")
    print("| --- | --- | --- | --- |")
    print(f"| peer: `python -c \"import textual.app\"` | {med(peer):.2f}"
          f" ({min(peer):.2f}-{max(peer):.2f}) | | 1.00 |")
    for name, _ in checkouts:
        d, a = drawn[name], answered[name]
        print(f"| {name}: `python main.py` | {med(d):.2f} ({min(d):.2f}-{max(d):.2f})"
              f" | {med(a):.2f} ({min(a):.2f}-{max(a):.2f}) | {med(a) / med(peer):.2f} |")
    for name, path in checkouts:
        rows = import_profile(path, args.platform_url, folders[name])
        total = sum(r[1] for r in rows if r[2] == 0) / 1000
        print()
        print(f"Top import costs to home, {name} (one `-X importtime` run: {len(rows)}"
              f" modules, {total:.0f} ms in all, inflated by the profiling)")
        print()
        print("| library | ms | first loaded by |")
        print("| --- | ---: | --- |")
        for line in top_costs(rows, args.top):
            print(line)
    for folder in folders.values():
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
