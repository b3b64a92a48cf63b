"""The initial schema: the tables the platform made with create_all before migrations.

Revision ID: 0001
Revises:
Create Date: 2026-12-03

Invariant: after this revision every database has exactly these tables, whether it
was empty or made by an older platform. Such a database is adopted here: a table it
has is left as it is, rows and all, and only the tables it lacks are made (the first
platform made only ``transactions``; create_all on start added the rest later).
Frozen: later schema changes go into later revisions, never here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _settings() -> None:
    op.create_table(
        "settings",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def _credentials() -> None:
    op.create_table(
        "credentials",
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("role", "id"),
    )


def _transactions() -> None:
    op.create_table(
        "transactions",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kiosk_id", sa.String(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("client_created_at", sa.String(length=40), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("id"),
        sa.UniqueConstraint("kiosk_id", "seq", name="uq_kiosk_seq"),
    )
    op.create_index("ix_transactions_kiosk_id", "transactions", ["kiosk_id"])


def _cases() -> None:
    op.create_table(
        "cases",
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("transaction_id", sa.String(length=36), nullable=False),
        sa.Column("kiosk_id", sa.String(length=32), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("person", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("reference"),
        sa.UniqueConstraint("transaction_id"),
    )
    op.create_index("ix_cases_kiosk_id", "cases", ["kiosk_id"])
    op.create_index("ix_cases_person", "cases", ["person"])


def _case_events() -> None:
    op.create_table(
        "case_events",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("by", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["reference"], ["cases.reference"]),
        sa.PrimaryKeyConstraint("pk"),
    )
    op.create_index("ix_case_events_reference", "case_events", ["reference"])


def _ratings() -> None:
    op.create_table(
        "ratings",
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("transaction_id", sa.String(length=36), nullable=False),
        sa.Column("kiosk_id", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("reference"),
    )


def _rounds() -> None:
    op.create_table(
        "rounds",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_rounds_item_id", "rounds", ["item_id"])


def _round_stock() -> None:
    op.create_table(
        "round_stock",
        sa.Column("round_id", sa.String(length=64), nullable=False),
        sa.Column("slot", sa.String(length=160), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"]),
        sa.PrimaryKeyConstraint("round_id", "slot"),
    )


def _entries() -> None:
    op.create_table(
        "entries",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("round_id", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("person", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("kiosk_id", sa.String(length=32), nullable=False),
        sa.Column("document_type", sa.String(length=32), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("auto_entry", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("slot", sa.String(length=160), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("won_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("person_slot", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"]),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("request_id"),
        sa.UniqueConstraint("reference"),
        sa.UniqueConstraint("round_id", "person_slot", name="uq_entry_person"),
    )
    op.create_index("ix_entries_person", "entries", ["person"])


def _draws() -> None:
    op.create_table(
        "draws",
        sa.Column("round_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"]),
        sa.PrimaryKeyConstraint("round_id", "number"),
    )


def _pickups() -> None:
    op.create_table(
        "pickups",
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("slot", sa.String(length=160), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("redeemed_by", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("ref"),
    )


def _pickup_attempts() -> None:
    op.create_table(
        "pickup_attempts",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("by", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("pk"),
    )
    op.create_index("ix_pickup_attempts_ref", "pickup_attempts", ["ref"])


def _insured() -> None:
    op.create_table(
        "insured",
        sa.Column("person", sa.String(length=64), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("person"),
    )


# Referenced tables before the tables whose foreign keys point at them.
TABLES: dict[str, Callable[[], None]] = {
    "settings": _settings,
    "credentials": _credentials,
    "transactions": _transactions,
    "cases": _cases,
    "case_events": _case_events,
    "ratings": _ratings,
    "rounds": _rounds,
    "round_stock": _round_stock,
    "entries": _entries,
    "draws": _draws,
    "pickups": _pickups,
    "pickup_attempts": _pickup_attempts,
    "insured": _insured,
}


def upgrade() -> None:
    present = set(sa.inspect(op.get_bind()).get_table_names())
    for name, create in TABLES.items():
        if name not in present:  # adoption: what an older platform made stays as it was
            create()


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)  # its indexes go with it
