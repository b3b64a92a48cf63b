"""The sync process SIGKILLed at random points, many times over, against a real platform
on loopback; then every transaction enqueued must be on the platform exactly once.

The same trials as ``tests/system/test_chaos.py`` (which runs 50 in CI), as many as asked.

    python bench/chaos_sigkill.py [--trials 500]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.embedded import EmbeddedPlatform
from tests.support.chaos import ROOT, ChaosKiosk


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=ROOT, prefix=".bench-") as tmp:
        folder = Path(tmp)
        platform = EmbeddedPlatform(f"sqlite:///{folder / 'platform.db'}", folder / "sign.key")
        platform.start()
        try:
            kiosk = ChaosKiosk(folder, platform)
            start = time.monotonic()
            stats = kiosk.sigkill_trials(args.trials)
            drained = kiosk.drain()
            ids = kiosk.server_ids()
            states = set(kiosk.local_states().values())
        finally:
            platform.stop()
    elapsed = time.monotonic() - start
    lost = len(stats.enqueued - set(ids))
    twice = len(ids) - len(set(ids))
    extra = len(set(ids) - stats.enqueued)
    print(f"{stats.trials} SIGKILL trials in {elapsed:.0f} s;"
          f" {len(stats.enqueued)} transactions enqueued")
    print(f"killed with a batch in flight: {stats.killed_in_flight};"
          f" of those, the platform had already stored part of it: {stats.answer_lost}")
    print(f"final drain exit {drained.returncode}; local states {sorted(states)}")
    print(f"on the platform: {len(ids)} rows, {len(set(ids))} distinct;"
          f" lost {lost}, twice {twice}, unknown {extra}")
    ok = drained.returncode == 0 and lost == twice == extra == 0 and states == {"acknowledged"}
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
