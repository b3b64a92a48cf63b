"""Alembic's environment for the platform: online only, on the connection it is handed.

Invariant: migrations run on ``config.attributes["connection"]`` (set by
``server.schema``), inside that connection's transaction; there is no alembic.ini
and no URL here. SQLite gets batch operations, since it alters tables by copying.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from server.db import metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError("run the platform's migrations through server.schema "
                           "(python -m server revision, or on start)")
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
