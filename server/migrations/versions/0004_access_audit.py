"""Access audit: every lookup and redemption, and every request a rate limit refused.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04

``access_audit`` names who asked (a credential's tag), what (a kind and a reference),
about whom (a pseudonym at most, never a document number), the outcome and when; staff
read rate-limit anomalies from it (docs/security/access.md). A new table only: no
existing row changes. A database made by ``create_all`` from these models has it
already: a table that exists is left as it is, as revision 0001 adopts such a database.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if "access_audit" in set(sa.inspect(op.get_bind()).get_table_names()):
        return
    op.create_table(
        "access_audit",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("who", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("person", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("pk"),
    )
    op.create_index("ix_access_audit_at", "access_audit", ["at"])
    op.create_index("ix_access_audit_who", "access_audit", ["who"])


def downgrade() -> None:
    op.drop_table("access_audit")  # its indexes go with it
