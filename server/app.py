"""The reference platform's HTTP API (FastAPI over SQLAlchemy Core)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import FastAPI
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from server.db import transactions


class IncomingTransaction(BaseModel):
    id: str = Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    kiosk_id: str = Field(min_length=1, max_length=32)
    seq: int = Field(ge=1)
    kind: Literal["application", "rating"]
    item_id: str = Field(min_length=1, max_length=64)
    reference: str = Field(min_length=1, max_length=64)
    created_at: str = Field(max_length=40)
    payload: dict[str, Any]


class Batch(BaseModel):
    # Items are validated one by one, so one malformed item cannot sink the batch.
    transactions: list[dict[str, Any]] = Field(max_length=1000)


class ItemResult(BaseModel):
    id: str
    status: Literal["accepted", "duplicate", "refused"]
    reason: str = ""


class BatchResult(BaseModel):
    results: list[ItemResult]
    received_at: datetime


def create_app(engine: Engine) -> FastAPI:
    app = FastAPI(title="Government-service platform (reference)", version="0.1.0")

    @app.get("/api/v1/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "time": datetime.now(UTC).isoformat()}

    @app.post("/api/v1/transactions/batch")
    def ingest(batch: Batch) -> BatchResult:
        now = datetime.now(UTC)
        return BatchResult(results=[_ingest_one(engine, raw, now) for raw in batch.transactions],
                           received_at=now)

    return app


def _ingest_one(engine: Engine, raw: dict[str, Any], now: datetime) -> ItemResult:
    tx_id = str(raw.get("id", ""))
    try:
        tx = IncomingTransaction.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        return ItemResult(id=tx_id, status="refused", reason=f"{where}: {err['msg']}")
    row = tx.model_dump()
    row["client_created_at"] = row.pop("created_at")
    try:
        with engine.begin() as conn:
            conn.execute(transactions.insert().values(**row, received_at=now))
    except IntegrityError:
        with engine.connect() as conn:
            existing = conn.execute(
                select(transactions.c.id).where(transactions.c.id == tx.id)
            ).first()
        if existing is not None:
            return ItemResult(id=tx.id, status="duplicate")
        return ItemResult(
            id=tx.id, status="refused",
            reason=f"kiosk {tx.kiosk_id} already sent sequence {tx.seq} under another id",
        )
    return ItemResult(id=tx.id, status="accepted")
