"""Two approved cases for the demo deck's people, for a field tester to load into the demo
kiosk's pickup cabinet and collect (docs/field-test.md): their references are fixed.

Each is made as a real one is, by ingesting an application transaction the "kiosk"
approved at once (server.ingest), from a desk of its own (``DEMO_DESK``), so the demo
kiosk's own sequence numbers stay its own. Like the genuine demo code
(server.demo_codes), a case is made again once it was collected more than a day ago:
the demo can be walked again tomorrow, and today's collection still shows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine

from contracts.wire import Applicant, ApplicationPayload, KioskDecision, Transaction
from server.db import (
    aware,
    cabinet_slots,
    case_events,
    cases,
    pickup_attempts,
    pickups,
    ratings,
    transactions,
)
from server.ingest import ingest_batch
from server.keyring import pseudonym_key
from server.sealing import PayloadCipher

DEMO_DESK = "DEMO-DESK"  # where the demo applications "came from"
AGAIN_AFTER = timedelta(days=1)  # collected this long ago: the case is made again


@dataclass(frozen=True, slots=True)
class DemoCase:
    reference: str
    seq: int
    item_id: str
    name: str  # the demo deck's card (config/demo-cards.toml): fictitious people
    id_number: str


DEMO_CASES = (
    DemoCase("DEMO-000001", 1, "driving-licence-renewal", "张伟", "310104198506121230"),
    DemoCase("DEMO-000002", 2, "household-registration-certificate", "李秀英",
             "310101195003082441"),
)


def add_demo_cases(engine: Engine, cipher: PayloadCipher, now: datetime) -> list[str]:
    """Make each demo case that is missing, or was collected over a day ago; the
    references made. ``cipher``: the platform's, which opens its pseudonym key and seals
    the cases' personal fields."""
    now = now.astimezone(UTC)  # stored in UTC, as the app stores every moment
    made = []
    for demo in DEMO_CASES:
        if _wanted(engine, demo.reference, now):
            _forget(engine, demo.reference)
            results = ingest_batch(engine, [_transaction(demo, now)], now, DEMO_DESK,
                                   pseudonym_key(engine, cipher), cipher=cipher)
            if results[0].status == "accepted":
                made.append(demo.reference)
    return made


def _wanted(engine: Engine, reference: str, now: datetime) -> bool:
    with engine.connect() as conn:
        status = conn.execute(select(cases.c.status).where(cases.c.reference == reference)
                              ).scalar()
        if status is None:
            return True
        if status != "collected":
            return False
        collected = conn.execute(select(pickups.c.redeemed_at).where(pickups.c.ref == reference)
                                 ).scalar()
    return collected is None or aware(collected) <= now - AGAIN_AFTER


def _forget(engine: Engine, reference: str) -> None:
    """The demo case's last run, gone: its timeline, slot, code, attempts and rating."""
    with engine.begin() as conn:
        for table, column in ((case_events, case_events.c.reference),
                              (cabinet_slots, cabinet_slots.c.reference),
                              (pickups, pickups.c.ref), (pickup_attempts, pickup_attempts.c.ref),
                              (ratings, ratings.c.reference)):
            conn.execute(delete(table).where(column == reference))
        conn.execute(delete(cases).where(cases.c.reference == reference))
        conn.execute(delete(transactions).where(transactions.c.kiosk_id == DEMO_DESK,
                                                transactions.c.reference == reference))


def _transaction(demo: DemoCase, now: datetime) -> dict[str, object]:
    payload = ApplicationPayload(
        identity=Applicant(name=demo.name, id_number=demo.id_number, source="card"),
        answers={}, decision=KioskDecision(outcome="approved"))
    return Transaction(id=str(uuid.uuid4()), kiosk_id=DEMO_DESK, seq=demo.seq,
                       kind="application", item_id=demo.item_id, reference=demo.reference,
                       created_at=now.isoformat(),
                       payload=payload.model_dump(mode="json")).model_dump(mode="json")
