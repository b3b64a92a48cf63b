"""`main.py simulate --reservations N --round R`: N made-up entries queued through the
kiosk's offline path, each a valid ReservationPayload for a slot the round offers, by a
person the round's residence rule admits (the platform's ingest applies them on sync)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from contracts.clock import SystemClock
from contracts.identity import id_number_problem
from contracts.wire import ReservationPayload
from server.embedded import EmbeddedPlatform
from server.rounds import create_round
from tests.support import REPO_ROOT
from tests.support.platform_access import enrol_kiosk
from tests.support.reservations import make_round
from wiring.config import DEMO_CONFIG, load_config
from wiring.sync import store_from_config


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[EmbeddedPlatform]:
    server = EmbeddedPlatform(f"sqlite:///{tmp_path / 'platform.db'}", tmp_path / "sign.key")
    server.start()
    yield server
    server.stop()


def simulate(data: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "main.py", "--data-dir", str(data), "--platform-url",
                           url, "simulate", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120)


def test_n_valid_entries_are_queued_for_the_round(tmp_path: Path,
                                                  platform: EmbeddedPlatform) -> None:
    data = tmp_path / "data"
    config = load_config(DEMO_CONFIG, data_dir=data, platform_url=platform.url)
    enrol_kiosk(platform, config)
    rule = {"residence_regions": ["3502"]}
    typed = make_round("sim-lot", "lottery", eligibility=rule, product_types=("kn95", "surgical"),
                       quotas={"sm-01/am/kn95": 10, "sm-01/am/surgical": 10,
                               "jm-01/all/kn95": 10})
    create_round(platform.engine, typed, datetime.now(UTC))

    made = simulate(data, platform.url, "--reservations", "25", "--round", "sim-lot",
                    "--seed", "3")
    assert made.returncode == 0, made.stderr
    assert "enqueued 25 synthetic reservation entries" in made.stdout

    store = store_from_config(config, SystemClock(), "test")
    try:
        queued = store.outbox.unsent("reservation")
        summary = store.outbox.summary()
    finally:
        store.close()
    assert len(queued) == summary.pending == 25
    assert {tx.kind for tx in queued} == {"reservation"}
    numbers = set()
    for tx in queued:
        payload = ReservationPayload.model_validate(tx.payload)
        entry = payload.entry
        assert entry.round_id == "sim-lot" and tx.item_id == typed.item_id
        assert typed.choices(entry.slot, entry.product_type, entry.accept_either) is not None
        assert entry.health == "well" and entry.document_type == "resident_id"
        assert entry.document_number.startswith("3502")
        assert id_number_problem(entry.document_number, datetime.now(UTC).date()) is None
        numbers.add(entry.document_number)
    assert len(numbers) == 25  # 25 people, not one person 25 times
    assert len({tx.reference for tx in queued}) == 25


def test_simulated_entries_sync_and_the_platform_counts_them(
        tmp_path: Path, platform: EmbeddedPlatform) -> None:
    """The issue's own words: simulate 50 for round R, sync --once, and stats --json shows
    50 entries for R (and nothing more on a second sync)."""
    data = tmp_path / "data"
    enrol_kiosk(platform, load_config(DEMO_CONFIG, data_dir=data, platform_url=platform.url))
    made = simulate(data, platform.url, "--reservations", "50", "--round",
                    "demo-masks-lottery", "--seed", "5")
    assert made.returncode == 0, made.stderr
    for _ in range(2):
        synced = subprocess.run(
            [sys.executable, "main.py", "--data-dir", str(data), "--platform-url",
             platform.url, "sync", "--once"], cwd=REPO_ROOT, capture_output=True, text=True,
            timeout=120)
        assert synced.returncode == 0, synced.stdout + synced.stderr
    stats = json.loads(subprocess.run(
        [sys.executable, "-m", "server", "stats", "--db",
         f"sqlite:///{tmp_path / 'platform.db'}", "--json"], cwd=REPO_ROOT,
        capture_output=True, text=True, check=True).stdout)
    lottery = stats["rounds"]["demo-masks-lottery"]
    assert lottery["entries"] == 50 and lottery["refused"] == 0
    assert lottery["offline"]["requests"] == 50


def test_an_unknown_round_queues_nothing(tmp_path: Path, platform: EmbeddedPlatform) -> None:
    data = tmp_path / "data"
    enrol_kiosk(platform, load_config(DEMO_CONFIG, data_dir=data, platform_url=platform.url))
    missing = simulate(data, platform.url, "--reservations", "3", "--round", "no-such-round")
    assert missing.returncode == 2
    assert "round 'no-such-round' is not known here" in missing.stderr
    without = simulate(data, platform.url, "--reservations", "3")
    assert without.returncode == 2 and "--reservations needs --round" in without.stderr
