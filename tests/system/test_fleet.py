"""A fleet: several kiosks' outboxes syncing into one platform at the same time, on
SQLite and on PostgreSQL, while their citizens also enter a reservation round."""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from contracts.clock import FakeClock
from kiosk.synthetic import synthetic_application
from offline_cache.outbox import Outbox, State
from offline_cache.sealing import DataCipher
from offline_cache.store import open_store
from offline_cache.sync import SyncEngine, SyncSettings
from server.db import case_events, cases, ratings, transactions
from server.embedded import EmbeddedPlatform
from tests.support.databases import BACKENDS, platform_database
from tests.support.platform_access import bearer, id_number

KIOSKS = 5
APPLICATIONS = 40  # per kiosk


@pytest.fixture(params=BACKENDS)
def platform(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EmbeddedPlatform]:
    with platform_database(request.param, tmp_path) as db:
        served = EmbeddedPlatform(db, tmp_path / "sign.key")
        served.start()
        yield served
        served.stop()


def test_several_kiosks_sync_at_once_and_each_transaction_lands_once(
        platform: EmbeddedPlatform, tmp_path: Path) -> None:
    admin = httpx.Client(base_url=platform.url, headers=bearer(platform.enrol("admin", "root")))
    now = datetime.now(UTC)
    admin.post("/api/v1/admin/rounds", json={
        "id": "fleet", "mode": "first_come", "opens_at": (now - timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(days=1)).isoformat(),
        "quotas": {"sm-01/am": 30}}).raise_for_status()

    outboxes: dict[str, Outbox] = {}
    sent: dict[str, list[str]] = {}
    for k in range(KIOSKS):
        kiosk = f"FLEET-{k}"
        outbox = Outbox(open_store(tmp_path / f"{kiosk}.db"),
                        DataCipher([bytes(32)]), FakeClock(), kiosk)
        rng = random.Random(k)
        sent[kiosk] = []
        for _ in range(APPLICATIONS):
            tx = outbox.enqueue("application", *synthetic_application(rng))
            sent[kiosk].append(tx.id)
            if rng.random() < 0.5:  # half the citizens rate the service
                sent[kiosk].append(outbox.enqueue(
                    "rating", tx.item_id, {"case": tx.id, "score": rng.randint(3, 5),
                                           "reason": ""}).id)
        outboxes[kiosk] = outbox

    allocated: list[str] = []
    failures: list[BaseException] = []
    start = threading.Barrier(KIOSKS)

    def kiosk_day(kiosk: str) -> None:
        try:
            client = httpx.Client(base_url=platform.url, timeout=30,
                                  headers=bearer(platform.enrol("kiosk", kiosk)))
            engine = SyncEngine(outboxes[kiosk], client, FakeClock(), SyncSettings(batch_size=7))
            start.wait()
            for n in range(10):  # a reservation between upload passes
                person = id_number("350203", "19700101", int(kiosk[-1]) * 100 + n)
                answer = client.post("/api/v1/reservations", json={
                    "id": str(uuid.uuid4()), "round_id": "fleet", "document_type": "resident_id",
                    "document_number": person, "slot": "sm-01/am", "health": "well"}).json()
                if answer["status"] == "allocated":
                    allocated.append(answer["pseudonym"])
                engine.sync_once()
            client.close()
        except BaseException as exc:  # noqa: BLE001 - reported below, with its kiosk
            failures.append(exc)

    threads = [threading.Thread(target=kiosk_day, args=(k,)) for k in outboxes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures

    for kiosk, outbox in outboxes.items():
        summary = outbox.summary()
        assert (summary.pending, summary.quarantined) == (0, 0), kiosk
        assert all(outbox.state_of(i) is State.ACKNOWLEDGED for i in sent[kiosk])
    with platform.engine.connect() as conn:
        stored = list(conn.execute(select(transactions.c.id)).scalars())
        per_kiosk: dict[str, int] = dict(conn.execute(select(cases.c.kiosk_id, func.count())
                                      .group_by(cases.c.kiosk_id)).all())
        received = conn.execute(select(func.count()).select_from(case_events)
                                .where(case_events.c.status == "received")).scalar_one()
        rated = conn.execute(select(func.count()).select_from(ratings)).scalar_one()
    everything = [i for ids in sent.values() for i in ids]
    assert sorted(stored) == sorted(everything)  # each once, none lost
    assert per_kiosk == dict.fromkeys(outboxes, APPLICATIONS)
    assert received == KIOSKS * APPLICATIONS
    assert rated == len(everything) - KIOSKS * APPLICATIONS
    assert len(allocated) == 30 == len(set(allocated))  # 50 asked, 30 places
    admin.close()
