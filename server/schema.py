"""The platform's schema kept current by Alembic (the scripts in ``server/migrations``).

Invariant: after ``upgrade_to_head(engine)`` returns, the database is at the newest
revision and matches ``server.db.metadata``. Upgrades run in one transaction behind a
lock (an advisory lock on PostgreSQL, a mutex within a process), so platforms starting
at once migrate one after the other. A database from before migrations (made by
``create_all``, no ``alembic_version``) is adopted at the initial revision, rows kept.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__package__)

SCRIPTS = Path(__file__).with_name("migrations")
# Any fixed 64-bit key: it names "the platform's schema" among advisory locks.
_LOCK_KEY = 0x676B7363_68656D61  # "gkschema" in ASCII
_IN_PROCESS = threading.Lock()


def alembic_config(connection: Connection) -> Config:
    """Alembic's configuration without an alembic.ini: env.py runs on ``connection``."""
    config = Config()
    # configparser reads "%" as interpolation.
    config.set_main_option("script_location", str(SCRIPTS).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """The newest revision among the scripts."""
    return ScriptDirectory(str(SCRIPTS)).get_current_head()


def upgrade_to_head(engine: Engine) -> None:
    """Migrate the database to the newest revision; adopt one made by ``create_all``."""
    # alembic's `op` and `context` are module-wide proxies: one migration per process at
    # a time, or two threads' migrations run on each other's connections.
    with _IN_PROCESS, engine.begin() as connection:  # SQLite: BEGIN IMMEDIATE (server.db)
        if connection.dialect.name == "postgresql":
            # Held until commit: a second platform waits here, then finds the work done.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        current = MigrationContext.configure(connection).get_current_revision()
        head = head_revision()
        if current == head:
            log.info("platform schema at revision %s, the newest", head)
            return
        # Every platform before migrations made `transactions` (the first made only that).
        if current is None and inspect(connection).has_table("transactions"):
            current = "unversioned (made by create_all), adopting it"
        log.info("platform schema: migrating %s -> %s", current or "empty", head)
        # The initial revision makes only the tables a database lacks: an adopted one is
        # stamped at it with its tables and rows as they were, then upgraded from there.
        command.upgrade(alembic_config(connection), "head")


def new_revision(engine: Engine, message: str) -> Path:
    """Write the next revision script: what the models have that ``engine``'s database,
    at head, lacks (review it before committing)."""
    head = head_revision()
    rev_id = f"{int((head or '0').split('_')[0]) + 1:04d}"  # after "0004_part": "0005"
    with _IN_PROCESS, engine.connect() as connection:
        script = command.revision(alembic_config(connection), message=message,
                                  autogenerate=True, rev_id=rev_id)
    assert script is not None and not isinstance(script, list)  # one head, one script
    return Path(script.path)
