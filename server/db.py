"""The platform's tables (SQLAlchemy Core): SQLite by default, PostgreSQL for a fleet."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine

metadata = MetaData()

transactions = Table(
    "transactions",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    # The kiosk's client UUID: the unique constraint is what makes ingest idempotent.
    Column("id", String(36), nullable=False, unique=True),
    Column("kiosk_id", String(32), nullable=False, index=True),
    Column("seq", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("item_id", String(64), nullable=False),
    Column("reference", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("client_created_at", String(40), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),  # the server's clock
    UniqueConstraint("kiosk_id", "seq", name="uq_kiosk_seq"),
)


def make_engine(url: str) -> Engine:
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(conn, _record) -> None:  # type: ignore[no-untyped-def]
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA busy_timeout=10000")

    metadata.create_all(engine)
    return engine
