"""The outbox's life cycle: pending -> sending -> acknowledged -> purged, and quarantine."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from contracts.clock import FakeClock
from offline_cache.outbox import Outbox, State
from offline_cache.sealing import DataCipher, SealError
from offline_cache.store import StoreError, open_store, open_store_readonly
from offline_cache.sync import SyncEngine, SyncSettings
from tests.support.platform_access import application_payload

PERSON = application_payload("350203195003150026")
KEY = DataCipher([bytes(range(32))])


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))


@pytest.fixture
def outbox(tmp_path: Path, clock: FakeClock) -> Outbox:
    return Outbox(open_store(tmp_path / "kiosk.db"), KEY, clock, "K-1")


def states(tmp_path: Path) -> list[str]:
    db = sqlite3.connect(tmp_path / "kiosk.db")
    return [r[0] for r in db.execute("SELECT state FROM outbox ORDER BY seq")]


def test_claim_marks_sending_and_a_restart_sends_it_again(outbox: Outbox, tmp_path: Path,
                                                          clock: FakeClock) -> None:
    a, b = (outbox.enqueue("application", "x", PERSON) for _ in range(2))
    claimed = outbox.claim(1)
    assert [tx.id for tx in claimed] == [a.id] and claimed[0].payload == PERSON
    assert states(tmp_path) == ["sending", "pending"]
    assert outbox.summary().pending == 2  # sending is still "to upload"
    # The process dies here. The next one recovers the row before its first pass.
    reopened = Outbox(open_store(tmp_path / "kiosk.db"), KEY, clock, "K-1")
    assert reopened.recover() == 1
    assert states(tmp_path) == ["pending", "pending"]
    assert [tx.id for tx in reopened.claim(10)] == [a.id, b.id]


def test_release_keeps_the_error_for_staff(outbox: Outbox, tmp_path: Path) -> None:
    tx = outbox.enqueue("application", "x", PERSON)
    outbox.claim(5)
    outbox.release([tx.id], "the platform answered 503")
    assert outbox.state_of(tx.id) is State.PENDING
    row = sqlite3.connect(tmp_path / "kiosk.db").execute(
        "SELECT last_error, attempts FROM outbox").fetchone()
    assert row == ("the platform answered 503", 1)


def test_acknowledge_only_what_was_being_sent(outbox: Outbox) -> None:
    tx = outbox.enqueue("application", "x", PERSON)
    outbox.acknowledge([tx.id], "2026-11-23T09:31:00+00:00")  # never claimed: no effect
    assert outbox.state_of(tx.id) is State.PENDING
    outbox.claim(1)
    outbox.acknowledge([tx.id], "2026-11-23T09:31:00+00:00")
    assert outbox.state_of(tx.id) is State.ACKNOWLEDGED


def test_purge_erases_personal_data_after_retention_and_keeps_a_tombstone(
        outbox: Outbox, tmp_path: Path, clock: FakeClock) -> None:
    tx = outbox.enqueue("application", "x", PERSON)
    kept = outbox.enqueue("application", "x", PERSON)
    outbox.claim(1)
    outbox.acknowledge([tx.id])
    assert outbox.purge(timedelta(days=7)) == 0  # not yet past retention
    clock.advance(7 * 86400 + 1)
    assert outbox.purge(timedelta(days=7)) == 1
    assert outbox.state_of(tx.id) is State.PURGED
    assert outbox.state_of(kept.id) is State.PENDING  # never acknowledged: never purged
    sealed = sqlite3.connect(tmp_path / "kiosk.db").execute(
        "SELECT sealed FROM outbox WHERE id = ?", (tx.id,)).fetchone()[0]
    assert sealed == b""
    with pytest.raises(SealError, match="purged"):
        outbox.get(tx.id)
    case = outbox.case_status(tx.reference)
    assert case is not None and case.state is State.PURGED
    assert outbox.summary().purged == 1


def test_a_row_the_kiosk_cannot_open_is_quarantined_not_blocking(tmp_path: Path,
                                                                  clock: FakeClock) -> None:
    lost = Outbox(open_store(tmp_path / "kiosk.db"), DataCipher([bytes(32)]), clock, "K-1")
    orphan = lost.enqueue("application", "x", PERSON)  # sealed with a key since lost
    outbox = Outbox(open_store(tmp_path / "kiosk.db"), KEY, clock, "K-1")
    good = outbox.enqueue("application", "x", PERSON)
    assert [tx.id for tx in outbox.claim(10)] == [good.id]
    assert outbox.state_of(orphan.id) is State.QUARANTINED
    [item] = outbox.quarantined()
    assert item.reference == orphan.reference and item.reason == "unreadable"  # a code


def test_partly_accepted_batch_each_item_on_its_own(outbox: Outbox) -> None:
    txs = [outbox.enqueue("application", "x", PERSON) for _ in range(4)]

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"received_at": "2026-11-23T09:30:02+00:00", "results": [
            {"id": txs[0].id, "status": "accepted"},
            {"id": txs[1].id, "status": "duplicate"},
            {"id": txs[2].id, "status": "refused", "reason": "item_id: unknown service"},
            # txs[3]: no answer at all
        ]})

    client = httpx.Client(base_url="http://platform", transport=httpx.MockTransport(answer))
    report = SyncEngine(outbox, client, FakeClock(), SyncSettings()).sync_once()
    assert (report.acknowledged, report.quarantined) == (2, 1)
    got = [outbox.state_of(tx.id) for tx in txs]
    assert got == [State.ACKNOWLEDGED, State.ACKNOWLEDGED, State.QUARANTINED, State.PENDING]
    [item] = outbox.quarantined()
    assert (item.reference, item.reason) == (txs[2].reference, "item_id: unknown service")


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"results": 5}',
                                  b'{"results": [{"status": "accepted"}]}'])
def test_a_malformed_answer_puts_the_batch_back(outbox: Outbox, body: bytes) -> None:
    tx = outbox.enqueue("application", "x", PERSON)
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    client = httpx.Client(base_url="http://platform", transport=transport)
    report = SyncEngine(outbox, client, FakeClock(), SyncSettings()).sync_once()
    assert not report.online
    assert outbox.state_of(tx.id) is State.PENDING


def test_clock_offset_is_measured_against_the_platform(outbox: Outbox,
                                                       clock: FakeClock) -> None:
    platform_time = clock.now() - timedelta(minutes=7)  # the kiosk runs 7 minutes fast

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"status": "ok", "time": platform_time.isoformat()})

    client = httpx.Client(base_url="http://platform", transport=httpx.MockTransport(answer))
    SyncEngine(outbox, client, clock, SyncSettings()).probe()
    summary = outbox.summary()
    assert summary.clock_offset_s == pytest.approx(420)
    assert summary.clock_checked_at == clock.now().isoformat(timespec="seconds")


def test_staff_tools_read_without_writing(tmp_path: Path, outbox: Outbox) -> None:
    outbox.enqueue("application", "x", PERSON)
    db = open_store_readonly(tmp_path / "kiosk.db")
    assert db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 1
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.execute("DELETE FROM outbox")
    with pytest.raises(StoreError, match="no kiosk store"):
        open_store_readonly(tmp_path / "nowhere.db")


def test_a_store_from_a_newer_kiosk_is_refused(tmp_path: Path) -> None:
    db = open_store(tmp_path / "kiosk.db")
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(StoreError, match="newer kiosk"):
        open_store(tmp_path / "kiosk.db")
    with pytest.raises(StoreError, match="a newer kiosk wrote it") as caught:
        open_store_readonly(tmp_path / "kiosk.db")
    assert "migrate" not in str(caught.value)  # starting this kiosk would not help


def test_a_store_from_before_case_numbers_gives_no_old_reference_again(
        outbox: Outbox, tmp_path: Path) -> None:
    """References came from the sequence before ratings stopped using them: a store
    that has used sequence 41 continues its case numbers at 42."""
    db = sqlite3.connect(tmp_path / "kiosk.db")
    with db:
        db.execute("INSERT INTO counters (name, value) VALUES ('seq', 41)")
    db.close()
    first = outbox.enqueue("application", "x", PERSON)
    rating = outbox.enqueue("rating", "x", {"case": first.id, "score": 5},
                            reference=first.reference)
    second = outbox.enqueue("application", "x", PERSON)
    assert (first.seq, rating.seq, second.seq) == (42, 43, 44)
    assert (first.reference, rating.reference, second.reference) == (
        "K-1-000042", "K-1-000042", "K-1-000043")
