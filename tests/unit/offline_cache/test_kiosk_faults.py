"""Kiosk faults that went silent or unclear (issue 16, finding 8): a lost data key, the
quarantine count, a corrupt store, a full disk, a read-only data folder."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import httpx
import pytest

from contracts.clock import FakeClock
from offline_cache.kiosk_store import STORE_FILE, open_kiosk_store
from offline_cache.outbox import Outbox
from offline_cache.sealing import DataCipher, DataKeyMissing
from offline_cache.store import open_store
from offline_cache.sync import SyncEngine, SyncSettings
from tests.support.platform_access import application_payload

NUMBER = "11010519491231002X"


def a_store_with_queued_rows(data: Path, rows: int = 3) -> Path:
    """A data folder whose store holds ``rows`` queued applications; the key file's path."""
    key_file = data / "keys" / "data.key"
    store = open_kiosk_store(data, key_file, "K", FakeClock(), "test")
    try:
        for _ in range(rows):
            store.outbox.enqueue("application", "marriage-record-proof",
                                 application_payload(NUMBER))
    finally:
        store.close()
    return key_file


# -- the data key -----------------------------------------------------------------------

def test_a_lost_key_under_queued_rows_is_a_fault_not_a_new_key(tmp_path: Path) -> None:
    key_file = a_store_with_queued_rows(tmp_path)
    key_file.unlink()
    with pytest.raises(DataKeyMissing) as caught:
        open_kiosk_store(tmp_path, key_file, "K", FakeClock(), "test")
    assert "missing" in str(caught.value) and "3 queued records" in str(caught.value)
    assert NUMBER not in str(caught.value)
    assert not key_file.exists()  # no silent new key
    # The store was let go: a second try (after staff restore the key) is not "busy".
    with pytest.raises(DataKeyMissing):
        open_kiosk_store(tmp_path, key_file, "K", FakeClock(), "test")


def test_another_key_set_under_queued_rows_is_a_fault(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    key_file = a_store_with_queued_rows(tmp_path)
    monkeypatch.setenv("KIOSK_DATA_KEY", base64.b64encode(os.urandom(32)).decode())
    with pytest.raises(DataKeyMissing, match="does not open the queued records"):
        open_kiosk_store(tmp_path, key_file, "K", FakeClock(), "test")


def test_a_new_key_is_made_while_nothing_is_sealed(tmp_path: Path) -> None:
    key_file = a_store_with_queued_rows(tmp_path, rows=0)
    key_file.unlink()
    open_kiosk_store(tmp_path, key_file, "K", FakeClock(), "test").close()
    assert key_file.exists()


def test_the_cli_says_the_key_is_missing_in_one_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.support import REPO_ROOT

    data = tmp_path / "data"
    made = subprocess.run([sys.executable, "main.py", "--data-dir", str(data), "simulate",
                           "--transactions", "2"], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    key = next(data.glob("**/*.key"))
    key.unlink()
    synced = subprocess.run([sys.executable, "main.py", "--data-dir", str(data), "sync",
                             "--once"], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=120)
    assert synced.returncode == 2
    assert synced.stderr.startswith("error: the data key") and "Traceback" not in synced.stderr
    assert len(synced.stderr.strip().splitlines()) == 1
    assert not key.exists()


# -- the quarantine count ---------------------------------------------------------------------

def test_rows_quarantined_as_unreadable_are_counted_by_the_pass(tmp_path: Path) -> None:
    """The sync lines said "quarantined 0" while every row was quarantined."""
    db = open_store(tmp_path / STORE_FILE)
    old = Outbox(db, DataCipher([bytes(32)]), FakeClock(), "K")
    for _ in range(5):
        old.enqueue("application", "marriage-record-proof", application_payload(NUMBER))
    other_key = Outbox(db, DataCipher([bytes([1]) * 32]), FakeClock(), "K")
    platform = httpx.Client(base_url="http://p", transport=httpx.MockTransport(
        lambda _: httpx.Response(200, json={"status": "ok",
                                            "time": "2026-12-04T01:00:00+00:00"})))
    report = SyncEngine(other_key, platform, FakeClock(), SyncSettings(batch_size=2)).sync_once()
    assert report.quarantined == 5
    assert other_key.summary().quarantined == 5 and other_key.summary().pending == 0
