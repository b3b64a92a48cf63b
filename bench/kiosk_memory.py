"""The kiosk process at its home screen: resident memory, start-up time, and which heavy
libraries were loaded, for a checkout against another (before/after a change); and a
soak of many sessions of journey A through the screens, its memory along the way.

Each home run starts ``python main.py --platform-url URL --data-dir TMP`` on a
pseudo-terminal of 120x40 (a real terminal for Textual), waits until the home screen
has been drawn, reads the process's VmRSS and VmHWM from /proc and its loaded modules
(through a tiny sitecustomize that writes them on request), then stops it. Both the
remote platform (``--platform-url``) and the embedded demo platform are measured.

    python bench/kiosk_memory.py [--vs OTHER_CHECKOUT] [--runs 5] [--platform-url URL]
    python bench/kiosk_memory.py --soak 1000 [--vs OTHER_CHECKOUT]
    python bench/kiosk_memory.py --profile 12 [--trace] [--vs OTHER_CHECKOUT]

The default URL has nothing listening: the kiosk starts offline, as a branch kiosk may.
The soak runs in its own process per checkout (the demo config, mock devices, the
remote URL, headless Textual at 120x40): each session is journey A by keyboard, from
the home screen through identify (a demo card on the mock reader), form, confirm,
done (the slip printed) and a rating, back home; VmRSS is read every 100 sessions.

The profile walks the soak's journey a few times and reads, after each screen of the
first three sessions and after each later session, VmRSS split into RssAnon (the heap)
and RssFile (mapped libraries), which modules were newly loaded, and (``--trace``, which
costs time and memory itself) tracemalloc's Python heap and the files that grew it;
then it searches the catalog by pinyin initials once and reads them again.
"""

from __future__ import annotations

import argparse
import fcntl
import json
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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
HOME_TEXT = "开始办理".encode()  # the home screen's start button
EMBEDDED = "embedded"
HEAVY = ("fastapi", "uvicorn", "starlette", "sqlalchemy", "cv2", "numpy", "zxingcpp", "pyzbar",
         "pypinyin", "escpos", "PIL")
# Written into a temporary folder on PYTHONPATH: on SIGUSR1 the kiosk writes the
# top-level names of its loaded modules, so we learn what it imported.
SITECUSTOMIZE = """
import os, signal, sys
def _dump(*_):
    with open(os.environ["BENCH_MODULES_OUT"], "w") as fh:
        fh.write("\\n".join(sorted({m.split(".")[0] for m in sys.modules})))
signal.signal(signal.SIGUSR1, _dump)
"""


def status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise LookupError(field)


class KioskOnPty:
    """``main.py`` of a checkout on a 120x40 pseudo-terminal; what it draws is read."""

    def __init__(self, proc: subprocess.Popen[bytes], master: int, started: float) -> None:
        self.proc, self.master, self.started = proc, master, started
        self.seen = b""
        self.log = b""  # everything drawn or printed since the start

    def wait_for(self, text: bytes, timeout: float = 60) -> float:
        """Seconds from the process's start until ``text`` was drawn (after what was
        seen so far is dropped, so each wait looks at new output)."""
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"{text.decode()!r} not drawn: {self.seen[-500:]!r}")
            ready, _, _ = select.select([self.master], [], [], 0.5)
            if ready:
                data = os.read(self.master, 65536)
                self.seen += data
                self.log += data
        elapsed = time.perf_counter() - self.started
        self.seen = b""
        return elapsed

    def drain(self, seconds: float, until: Path | None = None) -> None:
        """Read what it draws for ``seconds`` (or until ``until`` exists): a terminal
        nobody reads fills up and blocks the kiosk's next write."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not (until is not None and until.exists()):
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                self.log += os.read(self.master, 65536)

    def press(self, keys: bytes) -> None:
        os.write(self.master, keys)


@contextmanager
def kiosk_on_pty(checkout: Path, url: str, tmp: Path, python_flags: tuple[str, ...] = (),
                 env: dict[str, str] | None = None) -> Iterator[KioskOnPty]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {**os.environ, **(env or {}), "TERM": "xterm-256color", "TEXTUAL_ANIMATIONS": "none"}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, *python_flags, "main.py", "--platform-url", url, "--data-dir",
         str(tmp / "data")],
        cwd=checkout, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    try:
        yield KioskOnPty(proc, master, started)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
        os.close(master)


@dataclass(frozen=True)
class Run:
    start_s: float  # process start to the home screen drawn
    rss_mb: float  # resident at the home screen
    hwm_mb: float  # peak resident so far
    heavy: tuple[str, ...]


def one_run(checkout: Path, url: str) -> Run:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        site = tmp / "site"
        site.mkdir()
        (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
        modules_out = tmp / "modules.txt"
        env = {"PYTHONPATH": str(site), "BENCH_MODULES_OUT": str(modules_out)}
        with kiosk_on_pty(checkout, url, tmp, env=env) as kiosk:
            start_s = kiosk.wait_for(HOME_TEXT)
            kiosk.drain(1.0)  # let the first sync attempt and device probes settle
            pid = kiosk.proc.pid
            rss, hwm = status_mb(pid, "VmRSS"), status_mb(pid, "VmHWM")
            kiosk.proc.send_signal(signal.SIGUSR1)
            kiosk.drain(10, until=modules_out)
            time.sleep(0.2)  # the file exists: let its one write finish
            loaded = set(modules_out.read_text().split()) if modules_out.exists() else set()
        return Run(start_s, rss, hwm, tuple(m for m in HEAVY if m in loaded))


def summary(name: str, runs: list[Run]) -> str:
    med = statistics.median
    heavy = ", ".join(runs[0].heavy) or "none"
    rss = [r.rss_mb for r in runs]
    return (f"| {name} | {med(rss):.1f} ({min(rss):.1f}-{max(rss):.1f})"
            f" | {med(r.hwm_mb for r in runs):.1f} | {med(r.start_s for r in runs):.2f}"
            f" | {heavy} |")


def home(args: argparse.Namespace, checkouts: list[tuple[str, Path]]) -> None:
    for url in (args.platform_url, EMBEDDED):
        results: dict[str, list[Run]] = {name: [] for name, _ in checkouts}
        for _ in range(args.runs):  # interleaved, so drift of the machine hits both alike
            for name, path in checkouts:
                results[name].append(one_run(path, url))
        print(f"Kiosk at its home screen, platform {url}, median of {args.runs} runs")
        print()
        print("| checkout | VmRSS MB (min-max) | VmHWM MB | start to home s | heavy loaded |")
        print("| --- | --- | --- | --- | --- |")
        for name, runs in results.items():
            print(summary(name, runs))
        if len(checkouts) > 1:
            this, other = (statistics.median(r.rss_mb for r in results[n]) for n, _ in checkouts)
            print()
            print(f"resident memory ratio this/other: {this / other:.2f}")
        print()


# -- the soak: journey A, many times, in one process -------------------------------------
SOAK_CHILD = """
import asyncio, json, os, sys, tempfile, time
from pathlib import Path
os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
from contracts.clock import FakeClock
from screens.app import KioskApp
from screens.confirm import ConfirmScreen
from screens.done import DoneScreen
from screens.form import FormScreen
from screens.home import HomeScreen
from screens.identify import IdentifyScreen
from tests.support.kiosk_driver import mock_reader, on_screen, screen_text, until
from wiring.assembly import assemble
from wiring.config import DEMO_CONFIG, load_config

SESSIONS, EVERY, URL = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]

def rss_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

async def journey_a(app, pilot, assembly, n):
    await on_screen(pilot, HomeScreen)
    await pilot.press("1")  # hot item 1
    await on_screen(pilot, IdentifyScreen)
    mock_reader(assembly).place(0)  # 张伟's card (demo deck)
    await until(lambda: "310***********1230" in screen_text(app))
    await pilot.press("enter")
    await on_screen(pilot, FormScreen)
    mock_reader(assembly).remove()  # the card taken back (else the done screen asks for it)
    await pilot.press("enter")
    await on_screen(pilot, ConfirmScreen)
    await pilot.press("enter")
    await on_screen(pilot, DoneScreen)
    await until(lambda: not app.screen.query_one("#rate-5").disabled)
    await pilot.press("enter")  # rate 5
    await on_screen(pilot, HomeScreen)

async def soak(assembly):
    app = KioskApp(assembly.api, sync_in_background=False)
    samples = []
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        samples.append((0, rss_mb(), 0.0))
        print(json.dumps({"sample": samples[-1]}), flush=True)
        started = time.perf_counter()
        for n in range(1, SESSIONS + 1):
            await journey_a(app, pilot, assembly, n)
            if n % EVERY == 0 or n == SESSIONS:
                samples.append((n, rss_mb(), time.perf_counter() - started))
                print(json.dumps({"sample": samples[-1]}), flush=True)  # a long soak's progress
    return samples

with tempfile.TemporaryDirectory() as tmp:
    config = load_config(DEMO_CONFIG, data_dir=Path(tmp), platform_url=URL)
    config.idle.done_min_s = 0.05
    config.devices.idcard.pace = False
    assembly = assemble(config, FakeClock())
    try:
        samples = asyncio.run(soak(assembly))
        queued = assembly.store.outbox.summary().pending
        faults = assembly.api.ui_faults
    finally:
        assembly.close()
print(json.dumps({"samples": samples, "queued": queued, "faults": faults}))
"""


PROFILE_CHILD = """
import asyncio, gc, json, os, sys, tempfile, threading
from pathlib import Path
os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
TRACE = sys.argv[3] == "trace"
if TRACE:
    import tracemalloc
    tracemalloc.start(1)
from contracts.clock import FakeClock
from screens.app import KioskApp
from screens.confirm import ConfirmScreen
from screens.done import DoneScreen
from screens.form import FormScreen
from screens.home import HomeScreen
from screens.identify import IdentifyScreen
from tests.support.kiosk_driver import mock_reader, on_screen, screen_text, until
from wiring.assembly import assemble
from wiring.config import DEMO_CONFIG, load_config

SESSIONS, URL = int(sys.argv[1]), sys.argv[2]
seen_modules, last_snapshot = set(sys.modules), None

def sample(step):
    global seen_modules, last_snapshot
    gc.collect()
    row = {"step": step, "threads": threading.active_count()}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.split(":")[0] in ("VmRSS", "RssAnon", "RssFile"):
            row[line.split(":")[0]] = int(line.split()[1]) / 1024
    new = set(sys.modules) - seen_modules
    seen_modules |= new
    tops = {}
    for m in new:
        tops[m.split(".")[0]] = tops.get(m.split(".")[0], 0) + 1
    row["modules"] = len(new)
    row["new"] = [f"{t} ({n})" for t, n in sorted(tops.items(), key=lambda x: -x[1])[:5]]
    if TRACE:
        snapshot = tracemalloc.take_snapshot()
        row["traced_mb"] = tracemalloc.get_traced_memory()[0] / 2**20
        if last_snapshot is not None:
            grew = snapshot.compare_to(last_snapshot, "filename")[:4]
            row["grew"] = [f"{d.traceback[0].filename.split('site-packages/')[-1]} "
                           f"{d.size_diff / 2**20:+.2f}" for d in grew]
        last_snapshot = snapshot
    print(json.dumps(row, ensure_ascii=False), flush=True)

async def journey_a(app, pilot, assembly, label):
    await on_screen(pilot, HomeScreen)
    await pilot.press("1")
    await on_screen(pilot, IdentifyScreen)
    await asyncio.sleep(0.5)  # the reader's and the camera's workers poll a few times
    label("identify, 0.5 s, nothing shown")
    mock_reader(assembly).place(0)
    await until(lambda: "310***********1230" in screen_text(app))
    label("card read")
    await pilot.press("enter")
    await on_screen(pilot, FormScreen)
    label("form")
    mock_reader(assembly).remove()
    await pilot.press("enter")
    await on_screen(pilot, ConfirmScreen)
    label("confirm")
    await pilot.press("enter")
    await on_screen(pilot, DoneScreen)
    await until(lambda: not app.screen.query_one("#rate-5").disabled)
    label("done, slip printed")
    await pilot.press("enter")
    await on_screen(pilot, HomeScreen)
    label("home")

async def walk(assembly):
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        await asyncio.sleep(0.5)
        sample("home, before any session")
        for n in range(1, SESSIONS + 1):
            detail = n <= 3
            await journey_a(app, pilot, assembly,
                            lambda step: sample(f"session {n}: {step}") if detail else None)
            if not detail:
                sample(f"after session {n}")
        assembly.api.find_items("HYDJ", "zh-CN")
        sample("a search by pinyin initials (HYDJ)")

sample("imports")
with tempfile.TemporaryDirectory() as tmp:
    config = load_config(DEMO_CONFIG, data_dir=Path(tmp), platform_url=URL)
    config.idle.done_min_s = 0.05
    config.devices.idcard.pace = False
    assembly = assemble(config, FakeClock())
    sample("assembled")
    try:
        asyncio.run(walk(assembly))
    finally:
        assembly.close()
"""


def profile(checkout: Path, name: str, sessions: int, url: str, trace: bool) -> None:
    """Runs the profile in ``checkout`` and prints its table rows as the samples come."""
    print(f"{name}: journey A x {sessions}, platform {url}{', tracemalloc on' if trace else ''}")
    print()
    print("| step | VmRSS MB | RssAnon | RssFile | threads | modules loaded | "
          + ("Python heap MB (traced) | grew most |" if trace else ""))
    print("| --- | ---: | ---: | ---: | ---: | --- |" + (" ---: | --- |" if trace else ""))
    with tempfile.TemporaryFile("w+") as errors:
        proc = subprocess.Popen(
            [sys.executable, "-c", PROFILE_CHILD, str(sessions), url,
             "trace" if trace else "rss"], cwd=checkout, stdout=subprocess.PIPE,
            stderr=errors, text=True, env={**os.environ, "PYTHONPATH": str(checkout)})
        assert proc.stdout is not None
        for line in proc.stdout:
            row = json.loads(line)
            loaded = f"+{row['modules']}: {', '.join(row['new'])}" if row["modules"] else ""
            traced = (f" {row['traced_mb']:.1f} | {'; '.join(row.get('grew', []))} |"
                      if trace else "")
            print(f"| {row['step']} | {row['VmRSS']:.1f} | {row['RssAnon']:.1f} | "
                  f"{row['RssFile']:.1f} | {row['threads']} | {loaded} |{traced}", flush=True)
        if proc.wait() != 0:
            errors.seek(0)
            raise RuntimeError(f"profile in {checkout} failed: {errors.read()[-2000:]}")
    print()


def soak(checkout: Path, name: str, sessions: int, every: int, url: str) -> None:
    """Runs the soak in ``checkout`` and prints its table rows as the samples come."""
    with tempfile.TemporaryFile("w+") as errors:
        proc = subprocess.Popen(
            [sys.executable, "-c", SOAK_CHILD, str(sessions), str(every), url], cwd=checkout,
            stdout=subprocess.PIPE, stderr=errors, text=True,
            env={**os.environ, "PYTHONPATH": str(checkout)})
        assert proc.stdout is not None
        samples: list[list[float]] = []
        for line in proc.stdout:
            found = json.loads(line)
            if "sample" in found:
                samples.append(found["sample"])
                n, rss, elapsed = found["sample"]
                print(f"| {name} | {n} | {rss:.1f} | {elapsed:.0f} |", flush=True)
            else:
                first, last = samples[1], samples[-1]  # growth after the first block's warm-up
                print(f"| {name}: growth from session {first[0]} to {last[0]} | | "
                      f"{last[1] - first[1]:+.1f} MB | queued {found['queued']},"
                      f" faults {found['faults']} |", flush=True)
        if proc.wait() != 0:
            errors.seek(0)
            raise RuntimeError(f"soak in {checkout} failed: {errors.read()[-2000:]}")


def soak_report(args: argparse.Namespace, checkouts: list[tuple[str, Path]]) -> None:
    print(f"Journey A x {args.soak} in one kiosk process, platform {args.platform_url}"
          " (headless 120x40, demo config, unpaced mock reader, done_min_s 0.05)")
    print()
    print("| checkout | sessions | VmRSS MB | s since start |")
    print("| --- | ---: | ---: | ---: |", flush=True)
    for name, path in checkouts:
        soak(path, name, args.soak, args.every, args.platform_url)
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vs", type=Path, help="another checkout to measure in the same run")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--platform-url", default="http://127.0.0.1:9")
    parser.add_argument("--soak", type=int, metavar="SESSIONS",
                        help="walk journey A this many times instead of the home runs")
    parser.add_argument("--every", type=int, default=100, help="soak: read VmRSS this often")
    parser.add_argument("--profile", type=int, metavar="SESSIONS",
                        help="walk journey A this many times, reading memory at each step")
    parser.add_argument("--trace", action="store_true", help="profile: with tracemalloc")
    args = parser.parse_args()
    checkouts = [("this checkout", HERE)] + ([("--vs " + str(args.vs), args.vs)] if args.vs else [])
    if args.profile:
        for name, path in checkouts:
            profile(path, name, args.profile, args.platform_url, args.trace)
    elif args.soak:
        soak_report(args, checkouts)
    else:
        home(args, checkouts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
