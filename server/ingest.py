"""Batch ingest of kiosk transactions: idempotent by the client's UUID, one result per item.

The database's unique constraint on the UUID is what makes a resend harmless;
the lookup before the insert only saves work. A batch is written in one
transaction; if that hits a constraint (a concurrent resend, a reused
sequence) each item is retried on its own so one bad item sinks nothing else.

An item over MAX_ITEM_BYTES, or with text that is not valid Unicode (a lone surrogate,
which JSON allows and UTF-8 cannot encode), is refused on its own, before its models
are checked; the items beside it are stored. Personal fields are stored sealed
(server.sealing).
"""

from __future__ import annotations

import json
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
from server.sealing import PayloadCipher

# One transaction as it travels: an application is about 1 KiB (a name, an ID number,
# an address, a dozen short answers); 32 KiB is far past any the kiosk makes.
MAX_ITEM_BYTES = 32 * 1024


@dataclass(frozen=True, slots=True)
class Incoming:
    """A transaction that passed the wire models, with its payload parsed."""

    tx: Transaction
    payload: Payload


def ingest_batch(engine: Engine, raws: list[Any], now: datetime, kiosk_id: str | None,
                 key: bytes, offline: Reconciler | None = None,
                 cipher: PayloadCipher | None = None) -> list[ItemResult]:
    """Store what is new, one result per item in order. ``kiosk_id``: the authenticated
    kiosk, which may send only its own transactions (None: no such check, for tools).
    ``offline`` applies offline entries and redemptions; without it (a tool holding no
    signing key) they are refused, to be sent again to a platform that takes them.
    ``cipher`` seals the personal fields stored (None: a throwaway key, for tools that
    store demo rows and never read them back)."""
    sealer = cipher or PayloadCipher.throwaway()
    results: dict[int, ItemResult] = {}
    valid: list[tuple[int, Incoming]] = []
    for index, raw in enumerate(raws):
        problem = _shape_problem(raw)
        if problem is not None:
            results[index] = ItemResult(id=_id_of(raw), status="refused", reason=problem)
            continue
        try:
            tx = Transaction.model_validate(raw)
        except ValidationError as exc:
            results[index] = ItemResult(id=_id_of(raw), status="refused",
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
            outcomes = [(index, _apply(conn, item, now, key, offline, sealer))
                        for index, item in new]
        results.update(outcomes)
    except IntegrityError:
        for index, item in new:
            results[index] = _ingest_one(engine, item, now, key, offline, sealer)
    return [results[i] for i in range(len(raws))]


def _shape_problem(raw: Any) -> str | None:
    """Why an item is refused before its models are read: not an object, too large, or
    text that cannot be stored; None when it may be read."""
    if not isinstance(raw, dict):
        return "not an object"
    size = len(json.dumps(raw))  # escapes count: an upper bound, and never fails
    if size > MAX_ITEM_BYTES:
        return f"item of {size} bytes, over the {MAX_ITEM_BYTES}-byte cap"
    where = _unencodable(raw)
    if where is not None:
        return f"{where or 'a field name'}: text that is not valid Unicode (a lone surrogate)"
    return None


def _unencodable(value: Any, where: str = "") -> str | None:
    """The path of the first text (value or field name) UTF-8 cannot encode, or None."""
    if isinstance(value, str):
        return None if _encodable(value) else where
    if isinstance(value, dict):
        for name, inner in value.items():
            if not _encodable(str(name)):
                return where
            found = _unencodable(inner, f"{where}.{name}" if where else str(name))
            if found is not None:
                return found
    elif isinstance(value, list):
        for number, inner in enumerate(value):
            found = _unencodable(inner, f"{where}.{number}")
            if found is not None:
                return found
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _id_of(raw: Any) -> str:
    """The item's id for its result, when it is text that can travel back."""
    ident = raw.get("id", "") if isinstance(raw, dict) else ""
    text = str(ident)[:36]
    return text if _encodable(text) else ""


def _first_problem(exc: ValidationError, prefix: str = "") -> str:
    """Where and what, never the value (it may be an ID number)."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{prefix}{where}: {err['msg']}"


def _apply(conn: Connection, item: Incoming, now: datetime, key: bytes,
           offline: Reconciler | None, sealer: PayloadCipher) -> ItemResult:
    """Write one transaction and what it means (a case, a rating, an offline entry or
    redemption), or refuse it."""
    tx, payload = item.tx, item.payload
    if isinstance(payload, ApplicationPayload):
        number = payload.identity.id_number.strip()
        if not number:
            return ItemResult(id=tx.id, status="refused",
                              reason="payload.identity.id_number: missing")
        conn.execute(transactions.insert().values(**_row(tx, now, sealer)))
        person = person_of(key, document_type_of(number.upper()), number)
        record_application(conn, tx, payload, person, now)
    elif isinstance(payload, RatingPayload):
        problem = rating_problem(conn, tx, payload, now)
        if problem is not None:
            return ItemResult(id=tx.id, status="refused", reason=problem)
        conn.execute(transactions.insert().values(**_row(tx, now, sealer)))
    elif offline is None:
        return ItemResult(id=tx.id, status="refused", reason=f"kind {tx.kind}: not taken here")
    elif isinstance(payload, ReservationPayload):
        conn.execute(transactions.insert().values(**_row(tx, now, sealer,
                                                          _without_document(tx))))
        # accepted whatever the round said: the outcome is the entry's, read by lookup
        return ItemResult(id=tx.id, status="accepted",
                          reason=offline.reservation(conn, tx, payload, now))
    elif isinstance(payload, RedemptionPayload):
        conn.execute(transactions.insert().values(**_row(tx, now, sealer)))
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


def _row(tx: Transaction, now: datetime, sealer: PayloadCipher,
         payload: dict[str, Any] | None = None) -> dict[str, Any]:
    row = tx.model_dump()
    row["payload"] = sealer.seal_payload(
        tx.kind, tx.id, row["payload"] if payload is None else payload)
    row["client_created_at"] = row.pop("created_at")
    row["received_at"] = now
    return row


def _ingest_one(engine: Engine, item: Incoming, now: datetime, key: bytes,
                offline: Reconciler | None, sealer: PayloadCipher) -> ItemResult:
    tx = item.tx
    # An entry may collide with the same person's entry from another kiosk in the same
    # instant: the next pass sees the row that won (server.reservations.enter).
    passes = 3 if isinstance(item.payload, ReservationPayload) else 1
    for _ in range(passes):
        try:
            with engine.begin() as conn:
                if _existing(conn, [tx.id]):
                    return ItemResult(id=tx.id, status="duplicate")
                return _apply(conn, item, now, key, offline, sealer)
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
