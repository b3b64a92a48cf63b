"""Kiosk reports: the fleet view's latest report per kiosk.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04

``kiosk_reports`` keeps each kiosk's latest ``KioskReport`` (queue, devices, outages)
as its sync sent it, with the platform's receipt time and the kiosk's clock drift then
(server.fleet, docs/fleet.md). A new table only: no existing row changes.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if "kiosk_reports" in set(sa.inspect(op.get_bind()).get_table_names()):
        return
    op.create_table(
        "kiosk_reports",
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("drift_s", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("kiosk_id"),
    )


def downgrade() -> None:
    op.drop_table("kiosk_reports")
