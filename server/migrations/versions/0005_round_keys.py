"""Round keys: each round's own key for the pseudonyms its draws publish.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04

``round_keys`` holds one random key per reservation round; a round's published
pseudonym of a person is HMAC-SHA256 of the person's platform key under it (docs/
lottery.md). A new table only: no existing row changes. Draw records keep their JSON
column: a record of the new format (gov-kiosk-lottery/2) names its beacon round, and a
draw committed under the old format cannot be drawn (its seed would be chosen at the
draw): the next commit voids it (server.draws).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if "round_keys" in set(sa.inspect(op.get_bind()).get_table_names()):
        return
    op.create_table(
        "round_keys",
        sa.Column("round_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"]),
        sa.PrimaryKeyConstraint("round_id"),
    )


def downgrade() -> None:
    op.drop_table("round_keys")
