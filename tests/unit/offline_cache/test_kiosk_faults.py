"""Kiosk faults that went silent or unclear (issue 16, finding 8): a lost data key, the
quarantine count, a corrupt store, a full disk, a read-only data folder."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from contracts.clock import FakeClock
from offline_cache.disk_space import DiskFull
from offline_cache.kiosk_store import STORE_FILE, open_kiosk_store
from offline_cache.outbox import Outbox
from offline_cache.sealing import DataCipher, DataKeyMissing
from offline_cache.store import StoreDamaged, open_store, open_store_readonly
from offline_cache.sync import SyncEngine, SyncSettings
from tests.support import REPO_ROOT
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


# -- a damaged store ----------------------------------------------------------------------

def run_main(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "main.py", "--data-dir", str(data), *args],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)


def damage_the_page_holding(store: Path, marker: bytes) -> None:
    """Overwrite the whole page that holds ``marker`` (a row's reference) with garbage."""
    raw = store.read_bytes()
    page_size = int.from_bytes(raw[16:18], "big")
    page = raw.index(marker) // page_size
    with store.open("r+b") as fh:
        fh.seek(page * page_size)
        fh.write(bytes([0x5A]) * page_size)


@pytest.fixture
def damaged(tmp_path: Path) -> Path:
    """A data folder of 200 queued applications with one page of the outbox destroyed."""
    data = tmp_path / "data"
    made = run_main("simulate", "--transactions", "200", data=data)
    assert made.returncode == 0, made.stderr
    damage_the_page_holding(data / STORE_FILE, b"XH-CCB-0001-000100")
    return data


def test_a_damaged_store_is_said_at_start_in_one_line(damaged: Path) -> None:
    with pytest.raises(StoreDamaged, match="is damaged .*export-outbox"):
        open_kiosk_store(damaged, damaged / "keys" / "data.key", "K", FakeClock(), "test")
    synced = run_main("sync", "--once", data=damaged)
    assert synced.returncode == 2 and "Traceback" not in synced.stderr
    assert synced.stderr.startswith("error: ") and "is damaged" in synced.stderr
    assert len(synced.stderr.strip().splitlines()) == 1


def test_staff_export_what_is_readable_from_a_damaged_store(damaged: Path) -> None:
    out = damaged.parent / "export.jsonl"
    exported = run_main("export-outbox", "--out", str(out), data=damaged)
    assert exported.returncode == 1, exported.stderr  # some rows are lost
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert 100 < len(lines) < 200  # the rows on the destroyed page, and only those, lost
    assert all(line["payload"]["identity"]["id_number"] for line in lines)
    assert f"exported {len(lines)} queued records" in exported.stdout
    assert "rows could not be read at all" in exported.stdout
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    # Personal data goes to the file only, never to the terminal.
    assert not any(line["payload"]["identity"]["id_number"] in exported.stdout + exported.stderr
                   for line in lines)


def test_an_export_of_a_sound_store_has_every_queued_record(tmp_path: Path) -> None:
    key_file = a_store_with_queued_rows(tmp_path)
    db = open_store_readonly(tmp_path / STORE_FILE)
    try:
        from offline_cache.outbox_export import export_outbox
        from offline_cache.sealing import load_cipher

        report = export_outbox(db, load_cipher(key_file, create=False), tmp_path / "x.jsonl")
    finally:
        db.close()
    assert (report.exported, report.unreadable, report.damaged_rows) == (3, [], 0)


# -- a read-only data folder ----------------------------------------------------------------

@contextmanager
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A data folder with a store of 3 queued rows, then made read-only: a read-only mount
    where the test may mount (root bypasses file modes), else file modes."""
    data = tmp_path / "data"
    data.mkdir()
    mounted = False
    if os.geteuid() == 0:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(data)],
                                 capture_output=True).returncode == 0
        if not mounted:
            pytest.skip("root without mount: file modes do not bind root")
    try:
        made = run_main("simulate", "--transactions", "3", data=data)
        assert made.returncode == 0, made.stderr
        if mounted:
            subprocess.run(["mount", "-o", "remount,ro", str(data)], check=True)
        else:
            for path in [data, *data.rglob("*")]:
                path.chmod(0o555 if path.is_dir() else 0o444)
        yield data
    finally:
        if mounted:
            subprocess.run(["umount", str(data)], check=True)
        else:
            for path in [data, *data.rglob("*")]:
                path.chmod(0o755 if path.is_dir() else 0o644)


def test_a_read_only_data_folder_is_one_clear_line_and_queue_still_reads(
        tmp_path: Path) -> None:
    with read_only_folder(tmp_path) as data:
        for command in (["sync", "--once"], ["simulate", "--transactions", "1"], ["--mock"]):
            ran = run_main(*command, data=data)
            assert ran.returncode == 2, (command, ran.stderr)
            assert ran.stderr.startswith("error: ") and "Traceback" not in ran.stderr
            assert len(ran.stderr.strip().splitlines()) == 1, ran.stderr
        queue = run_main("queue", "--json", data=data)
        assert queue.returncode == 0, queue.stderr
        assert json.loads(queue.stdout)["pending"] == 3


# -- a full disk ------------------------------------------------------------------------------

def test_a_full_store_drains_with_the_reserve_and_refuses_new_submissions(
        tmp_path: Path) -> None:
    """SQLite's page limit stands in for the disk here; the reserve is what lifts it."""
    db = open_store(tmp_path / STORE_FILE)
    freed: list[bool] = []

    def release_reserve() -> bool:
        if freed:
            return False  # one reserve: a second full disk is staff's to fix
        freed.append(True)
        db.execute("PRAGMA max_page_count = 1000000")
        return True

    outbox = Outbox(db, DataCipher([bytes(32)]), FakeClock(), "K", on_full=release_reserve)
    for _ in range(120):
        outbox.enqueue("application", "marriage-record-proof", application_payload(NUMBER))
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full from here
    with pytest.raises(DiskFull):  # new submissions: refused once the last page is used
        for _ in range(100):
            outbox.enqueue("application", "marriage-record-proof",
                           application_payload(NUMBER))
    platform = httpx.Client(base_url="http://p", transport=httpx.MockTransport(accept_all))
    report = SyncEngine(outbox, platform, FakeClock(), SyncSettings(batch_size=50)).sync_once()
    assert freed == [True]  # acknowledging needed room: the reserve gave it
    assert report.online and report.acknowledged == outbox.summary().acknowledged >= 120
    assert outbox.summary().pending == 0


def test_a_full_disk_without_a_reserve_is_a_clear_pass_failure(tmp_path: Path) -> None:
    db = open_store(tmp_path / STORE_FILE)
    outbox = Outbox(db, DataCipher([bytes(32)]), FakeClock(), "K")
    for _ in range(120):
        outbox.enqueue("application", "marriage-record-proof", application_payload(NUMBER))
    db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")
    with pytest.raises(DiskFull):
        for _ in range(100):
            outbox.enqueue("application", "marriage-record-proof",
                           application_payload(NUMBER))
    platform = httpx.Client(base_url="http://p", transport=httpx.MockTransport(accept_all))
    report = SyncEngine(outbox, platform, FakeClock(), SyncSettings(batch_size=50)).sync_once()
    assert report.error == "disk_full" and not report.online  # said, not a crash


def accept_all(request: httpx.Request) -> httpx.Response:
    if request.method == "GET":
        return httpx.Response(200, json={"status": "ok", "time": "2026-12-04T01:00:00+00:00"})
    ids = [tx["id"] for tx in json.loads(request.content)["transactions"]]
    return httpx.Response(200, json={"received_at": "2026-12-04T01:00:00+00:00",
                                     "results": [{"id": i, "status": "accepted"} for i in ids]})


@contextmanager
def small_disk(tmp_path: Path, megabytes: int) -> Iterator[Path]:
    """A real file system of its own, to fill: a tmpfs where the test may mount."""
    folder = tmp_path / "disk"
    folder.mkdir()
    if os.geteuid() != 0 or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(folder)],
            capture_output=True).returncode != 0:
        pytest.skip("needs a small file system to fill (root with mount)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def fill(folder: Path) -> None:
    """Write until the disk refuses a single byte more."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 16, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)


def test_on_a_really_full_disk_sync_once_still_drains(tmp_path: Path) -> None:
    from server.embedded import EmbeddedPlatform
    from tests.support.loopback import free_port

    port = free_port()
    platform = EmbeddedPlatform(f"sqlite:///{tmp_path / 'p.db'}", tmp_path / "p.key", port=port)
    token = platform.enrol("kiosk", "XH-CCB-0001")
    platform.start()
    try:
        with small_disk(tmp_path, 24) as data:
            made = run_main("simulate", "--transactions", "300", data=data)
            assert made.returncode == 0, made.stderr
            fill(data)
            synced = subprocess.run(
                [sys.executable, "main.py", "--data-dir", str(data), "--platform-url",
                 f"http://127.0.0.1:{port}", "sync", "--once"], cwd=REPO_ROOT,
                capture_output=True, text=True, timeout=120,
                env={**os.environ, "KIOSK_PLATFORM_TOKEN": token})
            assert "Traceback" not in synced.stderr, synced.stderr
            assert "accepted 300, quarantined 0, 0 still to upload" in synced.stdout, \
                synced.stdout + synced.stderr
            queue = json.loads(run_main("queue", "--json", data=data).stdout)
            assert (queue["pending"], queue["acknowledged"]) == (0, 300)
    finally:
        platform.stop()
