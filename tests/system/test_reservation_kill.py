"""A kiosk killed (SIGKILL) after it answered "registered offline" and before any sync
loses nothing: the entry is in the outbox when the next kiosk process opens it."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from contracts.clock import SystemClock
from contracts.wire import ReservationPayload
from tests.support import REPO_ROOT
from wiring.config import DEMO_CONFIG, load_config
from wiring.sync import store_from_config

# The kiosk's own use case, as the screen calls it, in a process of its own: the platform
# is unreachable, so the entry is queued; the reference is printed once the call returns
# (what the screen would show), and the process waits to be killed.
KIOSK = """
import sys, time
from pathlib import Path
from contracts.identity import Identity, IdSource
from kiosk.reservations import Choice, ReservationDraft
from tests.support.reservations import make_round
from wiring.assembly import assemble
from wiring.config import DEMO_CONFIG, load_config

config = load_config(DEMO_CONFIG, data_dir=Path(sys.argv[1]), platform_url="http://127.0.0.1:9")
config.platform.timeout_s = 2
assembly = assemble(config)
person = Identity(name="张伟", id_number="310104198506121230", source=IdSource.CARD)
draft = ReservationDraft(make_round("kill-1", "first_come"), person,
                         {Choice.DISTRICT: "思明区", Choice.PHARMACY: "sm-01",
                          Choice.WINDOW: "am", Choice.HEALTH: "well"})
result = assembly.api.reserve(draft)
print(result.kind, result.reference, flush=True)
time.sleep(120)
"""


def test_killed_after_the_answer_the_entry_is_still_queued(tmp_path: Path) -> None:
    data = tmp_path / "data"
    kiosk = subprocess.Popen([sys.executable, "-c", KIOSK, str(data)], cwd=REPO_ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert kiosk.stdout is not None
        kind, reference = kiosk.stdout.readline().split()
        assert kind == "offline"
    finally:
        kiosk.send_signal(signal.SIGKILL)
        kiosk.wait(timeout=10)
    assert kiosk.returncode == -signal.SIGKILL

    config = load_config(DEMO_CONFIG, data_dir=data, platform_url="http://127.0.0.1:9")
    store = store_from_config(config, SystemClock(), "the next kiosk process")
    try:
        (queued,) = store.outbox.unsent("reservation")
    finally:
        store.close()
    assert queued.reference == reference
    entry = ReservationPayload.model_validate(queued.payload).entry
    assert (entry.round_id, entry.slot, entry.document_number) == (
        "kill-1", "sm-01/am", "310104198506121230")
