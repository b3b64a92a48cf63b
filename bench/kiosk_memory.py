"""The kiosk process at its home screen: resident memory, start-up time, and whether the
platform's web stack was loaded, for a checkout against another (before/after a change).

Each run starts ``python main.py --platform-url URL --data-dir TMP`` on a
pseudo-terminal of 120x40 (a real terminal for Textual), waits until the home screen
has been drawn, reads the process's VmRSS and VmHWM from /proc and its loaded modules
(through a tiny sitecustomize that writes them on request), then stops it.

    python bench/kiosk_memory.py [--vs OTHER_CHECKOUT] [--runs 5] [--platform-url URL]

The default URL has nothing listening: the kiosk starts offline, as a branch kiosk may.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
HOME_TEXT = "开始办理".encode()  # the home screen's start button
WEB_STACK = ("fastapi", "uvicorn", "starlette", "sqlalchemy")
# Written into a temporary folder on PYTHONPATH: on SIGUSR1 the kiosk writes the
# top-level names of its loaded modules, so we learn what it imported.
SITECUSTOMIZE = """
import os, signal, sys
def _dump(*_):
    with open(os.environ["BENCH_MODULES_OUT"], "w") as fh:
        fh.write("\\n".join(sorted({m.split(".")[0] for m in sys.modules})))
signal.signal(signal.SIGUSR1, _dump)
"""


@dataclass(frozen=True)
class Run:
    start_s: float  # process start to the home screen drawn
    rss_mb: float  # resident at the home screen
    hwm_mb: float  # peak resident so far
    web_stack: tuple[str, ...]


def status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise LookupError(field)


def one_run(checkout: Path, url: str) -> Run:
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        site.mkdir()
        (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
        modules_out = Path(tmp) / "modules.txt"
        env = {**os.environ, "PYTHONPATH": str(site), "BENCH_MODULES_OUT": str(modules_out),
               "TERM": "xterm-256color", "TEXTUAL_ANIMATIONS": "none"}
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "main.py", "--platform-url", url, "--data-dir",
             str(Path(tmp) / "data")],
            cwd=checkout, stdin=slave, stdout=slave, stderr=slave, env=env,
            start_new_session=True)
        os.close(slave)
        try:
            seen = b""
            deadline = time.monotonic() + 60
            while HOME_TEXT not in seen:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"no home screen from {checkout}: {seen[-500:]!r}")
                ready, _, _ = select.select([master], [], [], 0.5)
                if ready:
                    seen += os.read(master, 65536)
            start_s = time.perf_counter() - start
            time.sleep(1.0)  # let the first sync attempt and device probes settle
            rss, hwm = status_mb(proc.pid, "VmRSS"), status_mb(proc.pid, "VmHWM")
            proc.send_signal(signal.SIGUSR1)
            deadline = time.monotonic() + 10
            while not modules_out.exists() and time.monotonic() < deadline:
                select.select([master], [], [], 0.05)
            loaded = set(modules_out.read_text().split()) if modules_out.exists() else set()
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(10)
            os.close(master)
        return Run(start_s, rss, hwm, tuple(m for m in WEB_STACK if m in loaded))


def summary(name: str, runs: list[Run]) -> str:
    med = statistics.median
    stack = ", ".join(runs[0].web_stack) or "none"
    return (f"| {name} | {med(r.rss_mb for r in runs):.1f} | {med(r.hwm_mb for r in runs):.1f}"
            f" | {med(r.start_s for r in runs):.2f} | {stack} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vs", type=Path, help="another checkout to measure in the same run")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--platform-url", default="http://127.0.0.1:9")
    args = parser.parse_args()
    checkouts = [("this checkout", HERE)] + ([("--vs " + str(args.vs), args.vs)] if args.vs else [])
    results: dict[str, list[Run]] = {name: [] for name, _ in checkouts}
    for _ in range(args.runs):  # interleaved, so drift of the machine hits both alike
        for name, path in checkouts:
            results[name].append(one_run(path, args.platform_url))
    print(f"Kiosk at its home screen, platform {args.platform_url}, median of {args.runs} runs")
    print()
    print("| checkout | VmRSS MB | VmHWM MB | start to home s | web stack loaded |")
    print("| --- | --- | --- | --- | --- |")
    for name, runs in results.items():
        print(summary(name, runs))
    if args.vs:
        this, other = (statistics.median(r.rss_mb for r in results[n]) for n, _ in checkouts)
        print()
        print(f"resident memory ratio this/other: {this / other:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
