"""Offline entries and pickup flags: what a kiosk did while the platform was unreachable.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03

``offline_entries`` records when a queued reservation entry's rules were applied;
``pickup_flags`` holds offline redemptions staff must reconcile (a code collected
twice, or one the platform never issued). New tables only: no existing row changes.
A database made by ``create_all`` from these models has them already: a table that
exists is left as it is, as revision 0001 adopts such a database.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    present = set(sa.inspect(op.get_bind()).get_table_names())
    if "pickup_flags" not in present:
        _pickup_flags()
    if "offline_entries" not in present:
        _offline_entries()


def _pickup_flags() -> None:
    op.create_table(
        "pickup_flags",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("transaction_id", sa.String(length=36), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("kiosk_id", sa.String(length=32), nullable=False),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("pk"),
        sa.UniqueConstraint("transaction_id"),
    )
    op.create_index("ix_pickup_flags_ref", "pickup_flags", ["ref"])


def _offline_entries() -> None:
    op.create_table(
        "offline_entries",
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("transaction_id", sa.String(length=36), nullable=False),
        sa.Column("kiosk_id", sa.String(length=32), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("request_id"),
        sa.UniqueConstraint("transaction_id"),
    )


def downgrade() -> None:
    op.drop_table("offline_entries")
    op.drop_table("pickup_flags")  # its index goes with it
