"""Batch ingest of kiosk transactions: idempotent by the client's UUID, one result per item.

The database's unique constraint on the UUID is what makes a resend harmless;
the lookup before the insert only saves work. A batch is written in one
transaction; if that hits a constraint (a concurrent resend, a reused
sequence) each item is retried on its own so one bad item sinks nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from contracts.wire import (
    ApplicationPayload,
    ItemResult,
    Payload,
    RatingPayload,
    RedemptionPayload,
    ReservationPayload,
    Transaction,
)
from server.cases import document_type_of, rating_problem, record_application
from server.db import transactions
from server.offline import Reconciler
from server.persons import person_of


@dataclass(frozen=True, slots=True)
class Incoming:
    """A transaction that passed the wire models, with its payload parsed."""

    tx: Transaction
    payload: Payload


def ingest_batch(engine: Engine, raws: list[Any], now: datetime, kiosk_id: str | None,
                 key: bytes, offline: Reconciler | None = None) -> list[ItemResult]:
    """Store what is new, one result per item in order. ``kiosk_id``: the authenticated
    kiosk, which may send only its own transactions (None: no such check, for tools).
    ``offline`` applies offline entries and redemptions; without it (a tool holding no
    signing key) they are refused, to be sent again to a platform that takes them."""
    results: dict[int, ItemResult] = {}
    valid: list[tuple[int, Incoming]] = []
    for index, raw in enumerate(raws):
        if not isinstance(raw, dict):
            results[index] = ItemResult(id="", status="refused", reason="not an object")
            continue
        try:
            tx = Transaction.model_validate(raw)
        except ValidationError as exc:
            results[index] = ItemResult(id=str(raw.get("id", ""))[:36], status="refused",
                                        reason=_first_problem(exc))
            continue
        try:
            payload = tx.parsed_payload()
        except ValidationError as exc:
            results[index] = ItemResult(id=tx.id, status="refused",
                                        reason=_first_problem(exc, "payload."))
            continue
        if kiosk_id is not None and tx.kiosk_id != kiosk_id:
            results[index] = ItemResult(id=tx.id, status="refused",
                                        reason=f"kiosk {kiosk_id} cannot send for {tx.kiosk_id}")
            continue
        valid.append((index, Incoming(tx, payload)))
    with engine.connect() as conn:
        stored = _existing(conn, [item.tx.id for _, item in valid])
    new: list[tuple[int, Incoming]] = []
    for index, item in valid:
        if item.tx.id in stored:
            results[index] = ItemResult(id=item.tx.id, status="duplicate")
        else:
            stored.add(item.tx.id)  # the same id twice in one batch: the second is a duplicate
            new.append((index, item))
    try:
        with engine.begin() as conn:
            outcomes = [(index, _apply(conn, item, now, key, offline)) for index, item in new]
        results.update(outcomes)
    except IntegrityError:
        for index, item in new:
            results[index] = _ingest_one(engine, item, now, key, offline)
    return [results[i] for i in range(len(raws))]


def _first_problem(exc: ValidationError, prefix: str = "") -> str:
    """Where and what, never the value (it may be an ID number)."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{prefix}{where}: {err['msg']}"


def _apply(conn: Connection, item: Incoming, now: datetime, key: bytes,
           offline: Reconciler | None) -> ItemResult:
    """Write one transaction and what it means (a case, a rating, an offline entry or
    redemption), or refuse it."""
    tx, payload = item.tx, item.payload
    if isinstance(payload, ApplicationPayload):
        number = payload.identity.id_number.strip()
        if not number:
            return ItemResult(id=tx.id, status="refused",
                              reason="payload.identity.id_number: missing")
        conn.execute(transactions.insert().values(**_row(tx, now)))
        person = person_of(key, document_type_of(number.upper()), number)
        record_application(conn, tx, payload, person, now)
    elif isinstance(payload, RatingPayload):
        problem = rating_problem(conn, tx, payload, now)
        if problem is not None:
            return ItemResult(id=tx.id, status="refused", reason=problem)
        conn.execute(transactions.insert().values(**_row(tx, now)))
    elif offline is None:
        return ItemResult(id=tx.id, status="refused", reason=f"kind {tx.kind}: not taken here")
    elif isinstance(payload, ReservationPayload):
        conn.execute(transactions.insert().values(**_row(tx, now, _without_document(tx))))
        # accepted whatever the round said: the outcome is the entry's, read by lookup
        return ItemResult(id=tx.id, status="accepted",
                          reason=offline.reservation(conn, tx, payload, now))
    elif isinstance(payload, RedemptionPayload):
        conn.execute(transactions.insert().values(**_row(tx, now)))
        return ItemResult(id=tx.id, status="accepted",
                          reason=offline.redemption(conn, tx, payload, now))
    return ItemResult(id=tx.id, status="accepted")


def _without_document(tx: Transaction) -> dict[str, Any]:
    """A reservation's payload as kept: the entry row holds the person's pseudonym, so
    the document number need not be stored a second time."""
    payload = dict(tx.payload)
    payload["entry"] = {**payload["entry"], "document_number": "-"}
    return payload


def _existing(conn: Connection, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    return set(conn.execute(select(transactions.c.id).where(transactions.c.id.in_(ids)))
               .scalars())


def _row(tx: Transaction, now: datetime, payload: dict[str, Any] | None = None
         ) -> dict[str, Any]:
    row = tx.model_dump()
    if payload is not None:
        row["payload"] = payload
    row["client_created_at"] = row.pop("created_at")
    row["received_at"] = now
    return row


def _ingest_one(engine: Engine, item: Incoming, now: datetime, key: bytes,
                offline: Reconciler | None) -> ItemResult:
    tx = item.tx
    # An entry may collide with the same person's entry from another kiosk in the same
    # instant: the next pass sees the row that won (server.reservations.enter).
    passes = 3 if isinstance(item.payload, ReservationPayload) else 1
    for _ in range(passes):
        try:
            with engine.begin() as conn:
                if _existing(conn, [tx.id]):
                    return ItemResult(id=tx.id, status="duplicate")
                return _apply(conn, item, now, key, offline)
        except IntegrityError:
            continue
    with engine.connect() as conn:
        if _existing(conn, [tx.id]):
            return ItemResult(id=tx.id, status="duplicate")
        reused = conn.execute(select(transactions.c.id).where(
            transactions.c.kiosk_id == tx.kiosk_id, transactions.c.seq == tx.seq)).first()
    if reused is not None:
        return ItemResult(id=tx.id, status="refused", reason=(
            f"kiosk {tx.kiosk_id} already sent sequence {tx.seq} under another id"))
    if isinstance(item.payload, ReservationPayload | RedemptionPayload):
        return ItemResult(id=tx.id, status="refused",
                          reason=f"{tx.kind} {tx.id}: kept colliding, send it again")
    return ItemResult(id=tx.id, status="refused",
                      reason=f"reference {tx.reference} is already another case's")
