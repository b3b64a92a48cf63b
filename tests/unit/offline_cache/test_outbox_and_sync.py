"""The outbox is durable and sealed; sync delivers each transaction once, against a real server."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from contracts.clock import FakeClock
from offline_cache.outbox import Outbox, State
from offline_cache.sealing import DataCipher
from offline_cache.store import open_store
from offline_cache.sync import Link, SyncEngine, SyncSettings
from server.db import make_engine, transactions
from server.embedded import EmbeddedPlatform
from tests.support.platform_access import application_payload, bearer

Served = tuple[str, str, dict[str, str]]  # url, database URL, the kiosk's auth header
PERSON = application_payload("310104198506121230")


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    cipher = DataCipher([bytes(range(32))])
    return Outbox(open_store(tmp_path / "kiosk.db"), cipher, FakeClock(), "K-1")


@pytest.fixture
def platform(platform_server: EmbeddedPlatform) -> Served:
    auth = bearer(platform_server.enrol("kiosk", "K-1"))
    return platform_server.url, str(platform_server.engine.url), auth


def engine(outbox: Outbox, client: httpx.Client, batch_size: int = 10,
           clock: FakeClock | None = None) -> SyncEngine:
    return SyncEngine(outbox, client, clock or FakeClock(), SyncSettings(batch_size=batch_size))


def server_count(db_url: str) -> tuple[int, int]:
    engine = make_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(transactions)).scalar_one()
        distinct = conn.execute(select(func.count(transactions.c.id.distinct()))).scalar_one()
    engine.dispose()
    return rows, distinct


def test_store_is_wal_and_full_sync(tmp_path: Path) -> None:
    db = open_store(tmp_path / "k.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_enqueue_is_durable_sealed_and_numbered(outbox: Outbox, tmp_path: Path) -> None:
    first = outbox.enqueue("application", "item-a", PERSON)
    second = outbox.enqueue("application", "item-a", PERSON)
    assert (first.seq, second.seq) == (1, 2)
    assert first.reference == "K-1-000001"
    uuid.UUID(first.id)
    # A second connection (as after a crash and restart) sees both rows.
    other = sqlite3.connect(tmp_path / "kiosk.db")
    rows = other.execute("SELECT id, sealed, state FROM outbox ORDER BY seq").fetchall()
    assert [r[0] for r in rows] == [first.id, second.id]
    assert all(r[2] == "pending" for r in rows)
    raw = (tmp_path / "kiosk.db").read_bytes() + (tmp_path / "kiosk.db-wal").read_bytes()
    assert "张伟".encode() not in raw and b"310104198506121230" not in raw
    assert outbox.get(first.id).payload == PERSON


def test_sequence_survives_reopening(tmp_path: Path) -> None:
    cipher = DataCipher([bytes(range(32))])
    a = Outbox(open_store(tmp_path / "k.db"), cipher, FakeClock(), "K-1")
    a.enqueue("application", "x", PERSON)
    b = Outbox(open_store(tmp_path / "k.db"), cipher, FakeClock(), "K-1")
    assert b.enqueue("application", "x", PERSON).seq == 2


def test_sync_delivers_each_transaction_once(outbox: Outbox, platform: Served) -> None:
    url, db_url, auth = platform
    sent = [outbox.enqueue("application", "item-a", PERSON).id for _ in range(7)]
    with httpx.Client(base_url=url, timeout=5, headers=auth) as client:
        sync = engine(outbox, client, batch_size=3)
        report = sync.sync_once()
        assert report.online and report.acknowledged == 7
        assert all(outbox.state_of(i) is State.ACKNOWLEDGED for i in sent)
        assert sync.sync_once().acknowledged == 0  # nothing left
    assert server_count(db_url) == (7, 7)
    summary = outbox.summary()
    assert summary.pending == 0 and summary.last_success is not None


def test_a_resent_batch_is_acknowledged_not_duplicated(
    outbox: Outbox, platform: Served
) -> None:
    """The server stored the batch but the answer was lost: the retry must not double it."""
    url, db_url, auth = platform
    tx = outbox.enqueue("application", "item-a", PERSON)
    with httpx.Client(base_url=url, timeout=5, headers=auth) as client:
        client.post("/api/v1/transactions/batch",
                    json={"transactions": [tx.model_dump(mode="json")]})
        assert engine(outbox, client).sync_once().acknowledged == 1
    assert outbox.state_of(tx.id) is State.ACKNOWLEDGED
    assert server_count(db_url) == (1, 1)


def test_a_refused_item_is_quarantined_and_does_not_block_the_rest(
    outbox: Outbox, platform: Served
) -> None:
    url, db_url, auth = platform
    good = outbox.enqueue("application", "item-a", PERSON)
    bad = outbox.enqueue("application", "item-a", {"answers": {}})  # nobody on it: refused
    later = outbox.enqueue("application", "item-a", PERSON)
    with httpx.Client(base_url=url, timeout=5, headers=auth) as client:
        report = engine(outbox, client).sync_once()
    assert (report.acknowledged, report.quarantined) == (2, 1)
    assert outbox.state_of(good.id) is State.ACKNOWLEDGED
    assert outbox.state_of(later.id) is State.ACKNOWLEDGED
    assert outbox.state_of(bad.id) is State.QUARANTINED
    assert outbox.summary().quarantined == 1
    assert server_count(db_url) == (2, 2)


def test_server_down_loses_nothing(outbox: Outbox, tmp_path: Path) -> None:
    tx = outbox.enqueue("application", "item-a", PERSON)
    with httpx.Client(base_url="http://127.0.0.1:9", timeout=1) as client:
        report = engine(outbox, client).sync_once()
    assert report.link is Link.UNREACHABLE and report.error == "unreachable"
    assert outbox.state_of(tx.id) is State.PENDING
    summary = outbox.summary()
    assert summary.pending == 1 and summary.last_error == "unreachable"  # a code staff read


def test_server_error_keeps_items_pending(outbox: Outbox) -> None:
    tx = outbox.enqueue("application", "item-a", PERSON)
    transport = httpx.MockTransport(lambda request: httpx.Response(500))
    with httpx.Client(base_url="http://platform", transport=transport) as client:
        report = engine(outbox, client).sync_once()
    assert report.link is Link.SERVER_ERROR and report.error == "http_status:500"
    assert outbox.state_of(tx.id) is State.PENDING


def test_an_answer_about_ids_we_never_sent_is_ignored(outbox: Outbox) -> None:
    tx = outbox.enqueue("application", "item-a", PERSON)
    stranger = {"received_at": "2026-11-23T09:30:02+00:00",
                "results": [{"id": str(uuid.uuid4()), "status": "accepted"}]}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=stranger))
    with httpx.Client(base_url="http://platform", transport=transport) as client:
        report = engine(outbox, client).sync_once()
    assert report.acknowledged == 0
    assert outbox.state_of(tx.id) is State.PENDING
