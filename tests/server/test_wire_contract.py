"""The kiosk and the platform read the same wire: what the kiosk's outbox sends is what
the platform's ingest understands, field by field.

The kiosk side builds with `kiosk.applications` into a real outbox; the platform side
ingests the outbox's own wire form and is asked what it recorded. A field renamed in
`contracts/wire.py` without both sides following fails here (and in mypy).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from contracts.catalog import load_catalog
from contracts.clock import FakeClock
from contracts.identity import Identity, IdSource
from contracts.wire import BatchResult, ItemResult
from kiosk.applications import Rating, submit_application, submit_rating
from kiosk.session import Session
from offline_cache.outbox import Outbox
from offline_cache.sealing import DataCipher
from offline_cache.store import open_store
from server.cases import view
from server.db import make_engine, ratings
from server.ingest import ingest_batch
from server.keyring import pseudonym_key
from server.sealing import PayloadCipher
from wiring.config import DEMO_CONFIG, load_config

KIOSK = "XH-CCB-0001"
WANG = Identity(name="王芳", id_number="320102199207150625", source=IdSource.CARD)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    made = make_engine(f"sqlite:///{tmp_path / 'platform.db'}")
    yield made
    made.dispose()


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    return Outbox(open_store(tmp_path / "kiosk.db"), DataCipher([bytes(range(32))]),
                  FakeClock(), KIOSK)


def applied(outbox: Outbox, item_id: str) -> Session:
    item = load_catalog(load_config(DEMO_CONFIG).catalog.path).get(item_id)
    session = Session()
    session.choose(item)
    session.identify(WANG)
    session.fill({spec.key: spec.choices[0].value if spec.choices else "13812341234"
                  for spec in item.fields if spec.prefill is None})
    session.submitted(submit_application(session, outbox, FakeClock(), online=True))
    return session


def test_what_the_kiosk_sends_the_platform_records(outbox: Outbox, engine: Engine) -> None:
    session = applied(outbox, "marriage-record-proof")
    assert session.submission is not None
    session.to_rating()
    submit_rating(session, outbox, Rating.DISSATISFIED, "slow")
    batch = [tx.model_dump(mode="json") for tx in outbox.claim(10)]
    now = datetime.now(UTC)
    results = ingest_batch(engine, batch, now, KIOSK,
                           pseudonym_key(engine, PayloadCipher.throwaway()))
    assert [r.status for r in results] == ["accepted", "accepted"], results
    with engine.connect() as conn:
        case = view(conn, session.submission.reference)
        (score, reason) = conn.execute(select(ratings.c.score, ratings.c.reason)).one()
    assert case is not None
    # The kiosk's instant decision reached the case's timeline; the rating its case.
    assert [e.status for e in case.timeline] == ["received", session.submission.decision.outcome]
    assert (score, reason) == (2, "slow")


def test_the_platforms_answer_is_what_the_kiosk_reads() -> None:
    answer = BatchResult(results=[ItemResult(id="x", status="refused", reason="kind: no")],
                         received_at=datetime.now(UTC))
    # The platform serialises with FastAPI (JSON mode); the kiosk validates that text.
    again = BatchResult.model_validate_json(answer.model_dump_json())
    assert again == answer
