"""Cabinet slots: which case's goods wait in which compartment of a kiosk's cabinet.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04

``cabinet_slots`` holds a case's last load into a kiosk's pickup cabinet (自助取件柜);
``occupies`` is unique while the goods wait, so one compartment holds one case. A new
table only: no existing row changes. A database made by ``create_all`` from these
models has it already: a table that exists is left as it is, as revision 0001 adopts
such a database.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if "cabinet_slots" in set(sa.inspect(op.get_bind()).get_table_names()):
        return
    op.create_table(
        "cabinet_slots",
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("kiosk_id", sa.String(length=32), nullable=False),
        sa.Column("compartment", sa.String(length=16), nullable=False),
        sa.Column("occupies", sa.String(length=64), nullable=True),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("loaded_by", sa.String(length=80), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["reference"], ["cases.reference"]),
        sa.PrimaryKeyConstraint("reference"),
        sa.UniqueConstraint("occupies"),
    )
    op.create_index("ix_cabinet_slots_kiosk_id", "cabinet_slots", ["kiosk_id"])


def downgrade() -> None:
    op.drop_table("cabinet_slots")  # its index goes with it
