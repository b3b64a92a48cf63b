"""The platform's tables (SQLAlchemy Core): SQLite by default, PostgreSQL for a fleet.

Invariant: these tables are what the newest migration in ``server/migrations`` makes
(tests/server/test_migrations.py compares them); changing one needs a new revision
(``python -m server revision -m WHAT``).
"""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    make_url,
)
from sqlalchemy.engine import Engine

from server.schema import upgrade_to_head

metadata = MetaData()

# Secrets the platform makes for itself on first start (the pseudonym key).
settings = Table(
    "settings",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", LargeBinary, nullable=False),
)

# One row per credential: a kiosk, a staff member or an administrator.
credentials = Table(
    "credentials",
    metadata,
    Column("role", String(8), primary_key=True),  # kiosk | staff | admin
    Column("id", String(64), primary_key=True),  # the kiosk id, or a person's login name
    Column("token_hash", String(64), nullable=False),  # SHA-256 of the secret part
    Column("enrolled_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

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

# A case: one application, from the transaction that brought it.
cases = Table(
    "cases",
    metadata,
    Column("reference", String(64), primary_key=True),
    Column("transaction_id", String(36), nullable=False, unique=True),
    Column("kiosk_id", String(32), nullable=False, index=True),
    Column("item_id", String(64), nullable=False),
    Column("person", String(64), nullable=False, index=True),  # pseudonym of the applicant
    Column("status", String(20), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

# The timeline shown in progress lookup, oldest first.
case_events = Table(
    "case_events",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("reference", String(64), ForeignKey("cases.reference"), nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("by", String(80), nullable=False),  # "kiosk:ID", "staff:NAME", "platform"
    Column("at", DateTime(timezone=True), nullable=False),
)

# 好差评: the unique reference is the "one rating per case" rule.
ratings = Table(
    "ratings",
    metadata,
    Column("reference", String(64), primary_key=True),
    Column("transaction_id", String(36), nullable=False),
    Column("kiosk_id", String(32), nullable=False),
    Column("score", Integer, nullable=False),
    Column("reason", String(32), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

# A reservation round: its rules as configuration (server.rounds.RoundConfig).
rounds = Table(
    "rounds",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("item_id", String(64), nullable=False, index=True),
    Column("config", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Places left per slot (pharmacy/window[/type]) in a first-come round. Taking one is
# a single conditional UPDATE, so concurrent requests can never oversell.
round_stock = Table(
    "round_stock",
    metadata,
    Column("round_id", String(64), ForeignKey("rounds.id"), primary_key=True),
    Column("slot", String(160), primary_key=True),
    Column("remaining", Integer, nullable=False),
)

entries = Table(
    "entries",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(36), nullable=False, unique=True),  # the client's UUID
    Column("round_id", String(64), ForeignKey("rounds.id"), nullable=False),
    Column("item_id", String(64), nullable=False),
    Column("person", String(64), nullable=False, index=True),
    Column("reference", String(64), nullable=False, unique=True),
    Column("kiosk_id", String(32), nullable=False),
    Column("document_type", String(32), nullable=False),
    Column("choices", JSON, nullable=False),  # slots in order of preference
    Column("auto_entry", Boolean, nullable=False),  # 65+: stays in every draw until won
    # entered | won | refused | updated (a changed choice) | expired (replaced) |
    # withdrawn (by staff: planted in someone's name, or a mistake)
    Column("status", String(12), nullable=False),
    Column("reason", String(40), nullable=False, default=""),  # refused: the rule's code
    Column("detail", Text, nullable=False, default=""),  # refused: the rule in words
    Column("slot", String(160)),  # where a winner collects
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True)),  # None: auto entry, or refused
    Column("won_at", DateTime(timezone=True)),
    # One live entry per person per round: the pseudonym while the entry lives; other
    # rows (refused, updated, expired) carry a tag of their own request instead.
    Column("person_slot", String(80), nullable=False),
    UniqueConstraint("round_id", "person_slot", name="uq_entry_person"),
)

draws = Table(
    "draws",
    metadata,
    Column("round_id", String(64), ForeignKey("rounds.id"), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("record", JSON, nullable=False),  # server.lottery.Draw.to_json()
    Column("committed_at", DateTime(timezone=True), nullable=False),
    Column("drawn_at", DateTime(timezone=True)),
)

# The key of each round's published pseudonyms (server.persons.round_pseudonym): one per
# round, apart from the entries and from the platform's person key, so two rounds'
# published lists cannot be joined and the person key alone does not name anyone in one.
round_keys = Table(
    "round_keys",
    metadata,
    Column("round_id", String(64), ForeignKey("rounds.id"), primary_key=True),
    Column("key", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Signed pickup codes the platform issued; redeemed_at set once, atomically.
pickups = Table(
    "pickups",
    metadata,
    Column("ref", String(64), primary_key=True),  # the code's "ref" claim
    Column("kind", String(12), nullable=False),  # reservation | case
    Column("code", Text, nullable=False),
    Column("slot", String(160), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("redeemed_at", DateTime(timezone=True)),
    Column("redeemed_by", String(80)),
)

# A case's goods in a kiosk's pickup cabinet (自助取件柜): one row per case, the last
# load. ``occupies`` is "kiosk/compartment" while the goods wait there and NULL once
# collected or withdrawn: its unique constraint is "one compartment, one case" even for
# two loads at the same moment (NULLs never collide).
cabinet_slots = Table(
    "cabinet_slots",
    metadata,
    Column("reference", String(64), ForeignKey("cases.reference"), primary_key=True),
    Column("kiosk_id", String(32), nullable=False, index=True),
    Column("compartment", String(16), nullable=False),
    Column("occupies", String(64), unique=True),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
    Column("loaded_by", String(80), nullable=False),
    Column("withdrawn_at", DateTime(timezone=True)),  # None: loaded (waiting, or collected)
)

# Every redemption attempt, refused ones included: what staff audit.
pickup_attempts = Table(
    "pickup_attempts",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("ref", String(64), nullable=False, index=True),
    Column("by", String(80), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("outcome", String(12), nullable=False),  # redeemed | refused
    Column("reason", String(80), nullable=False),
)

# A redemption made offline at a kiosk that the platform could not simply record: the
# code was collected already (online or at another offline kiosk), or the platform
# never issued it. The goods are gone either way; staff reconcile (GET .../flags).
pickup_flags = Table(
    "pickup_flags",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("transaction_id", String(36), nullable=False, unique=True),
    Column("ref", String(64), nullable=False, index=True),  # "-": no readable code
    Column("kiosk_id", String(32), nullable=False),
    Column("redeemed_at", DateTime(timezone=True), nullable=False),  # as of (bounded)
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("reason", String(40), nullable=False),  # already_redeemed | not_issued | forged...
    Column("detail", Text, nullable=False),
)

# Entries a kiosk took while the platform was unreachable: when the rules were applied
# (the kiosk's stamp corrected by its drift, bounded; docs/reservations.md).
offline_entries = Table(
    "offline_entries",
    metadata,
    Column("request_id", String(36), primary_key=True),  # entries.request_id
    Column("transaction_id", String(36), nullable=False, unique=True),
    Column("kiosk_id", String(32), nullable=False),
    Column("made_at", DateTime(timezone=True), nullable=False),  # the kiosk's clock
    Column("as_of", DateTime(timezone=True), nullable=False),  # what the rules saw
    Column("received_at", DateTime(timezone=True), nullable=False),
)

# Every lookup and redemption, and every request a rate limit refused: who asked (the
# credential's tag), what (the kind, a reference or "-"), about whom (the pseudonym at
# most, never a document number), with what outcome, when. Staff read anomalies here.
access_audit = Table(
    "access_audit",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
    Column("who", String(80), nullable=False, index=True),  # "kiosk:XH-CCB-0001"
    Column("kind", String(16), nullable=False),  # server.rate_limits.Kind
    Column("reference", String(64), nullable=False),  # "-": none (or several: see outcome)
    Column("person", String(64), nullable=False),  # pseudonym; "": none given
    Column("outcome", String(40), nullable=False),  # found:N | redeemed | refused:WHY...
)


# The social-security registry's answer, as pseudonyms: who is insured locally.
insured = Table(
    "insured",
    metadata,
    Column("person", String(64), primary_key=True),
    Column("since", Date, nullable=False),
)

# The fleet view (server.fleet): each kiosk's latest report as its sync sent it, when the
# platform received it and the kiosk's clock drift then. One row per kiosk, replaced.
kiosk_reports = Table(
    "kiosk_reports",
    metadata,
    Column("kiosk_id", String(64), primary_key=True),  # from the credential, never the body
    Column("report", JSON, nullable=False),  # contracts.wire.KioskReport
    Column("received_at", DateTime(timezone=True), nullable=False),  # the platform's clock
    Column("drift_s", Float, nullable=False),  # platform minus kiosk clock, seconds
)


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything here is stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def private_sqlite_file(url: str) -> Path | None:
    """A SQLite database file readable by its owner only: made 0600 (its folder 0700)
    before SQLite opens it, and an older one (and its WAL files) tightened to 0600.
    SQLite gives the WAL and shared-memory files the database file's mode. None: not a
    SQLite file."""
    parsed = make_url(url)
    name = parsed.database
    if parsed.get_backend_name() != "sqlite" or not name or name == ":memory:" or (
            name.startswith("file:")):
        return None
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for each in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if each.exists() and stat.S_IMODE(each.stat().st_mode) & 0o077:
            each.chmod(0o600)
    return path


def make_engine(url: str) -> Engine:
    """An engine on the platform's database, its schema migrated to the newest revision."""
    private_sqlite_file(url)
    if url.startswith("postgresql"):
        engine = create_engine(url, pool_size=20, max_overflow=20)
    else:
        # SQLite has one writer at a time. Threads queue for the one connection in
        # order, instead of each polling the file lock through busy_timeout's sleeps,
        # which under load adds up to seconds (bench/reservation_load.py).
        engine = create_engine(url, pool_size=1, max_overflow=0, pool_timeout=120)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(conn, _record) -> None:  # type: ignore[no-untyped-def]
            conn.isolation_level = None  # SQLAlchemy's "begin" event below opens transactions
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA busy_timeout=10000")
            conn.execute("PRAGMA foreign_keys=ON")

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn) -> None:  # type: ignore[no-untyped-def]
            # Take the write lock up front: a deferred transaction that reads and then
            # writes can fail at once with "database is locked" instead of waiting.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    upgrade_to_head(engine)  # makes, adopts or migrates the schema (server.schema)
    return engine
