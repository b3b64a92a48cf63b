"""The platform's databases under test: a SQLite file, and a fresh PostgreSQL database.

PostgreSQL is reached at ``PLATFORM_TEST_PG`` (default: the local server, user
postgres); ``.ci/run`` starts it when it is not running. Each test gets its own
database, dropped afterwards. No PostgreSQL is a failure, not a skip: CI must
run the server tests against both.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

PG_BASE = os.environ.get("PLATFORM_TEST_PG",
                         "postgresql+psycopg://postgres:postgres@127.0.0.1:5432/postgres")
BACKENDS = ("sqlite", "postgresql")


@contextmanager
def platform_database(backend: str, folder: Path) -> Iterator[str]:
    """A SQLAlchemy URL of an empty database of the given kind."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'platform.db'}"
        return
    base = make_url(PG_BASE)
    name = f"platform_test_{uuid.uuid4().hex[:12]}"
    admin = psycopg.connect(host=base.host, port=base.port or 5432, user=base.username,
                            password=base.password, dbname=base.database, autocommit=True)
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
