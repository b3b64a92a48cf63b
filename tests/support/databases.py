"""The platform's databases under test: a SQLite file, and a fresh PostgreSQL database.

PostgreSQL is the running server at ``PLATFORM_TEST_PG`` (default: the local server,
user postgres, password postgres) when one answers there; otherwise a throwaway server
started from the binaries the dev extra installs (throwaway_pg.py), stopped at the end
of the session. ``PLATFORM_TEST_PG_THROWAWAY=1`` uses a throwaway server even when one
is running. Each test gets its own database, dropped afterwards.

Only when neither can be had do the PostgreSQL tests skip, with one line saying what to
install; ``PLATFORM_TEST_PG_REQUIRED=1`` (set by ``.ci/run``) makes that a failure that
stops the run, since CI must run the platform's tests against both databases.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import URL, make_url

from tests.support import throwaway_pg

log = logging.getLogger(__name__)

PG_BASE = os.environ.get("PLATFORM_TEST_PG",
                         "postgresql+psycopg://postgres:postgres@127.0.0.1:5432/postgres")
FORCE_THROWAWAY = os.environ.get("PLATFORM_TEST_PG_THROWAWAY", "") not in ("", "0")
REQUIRED = os.environ.get("PLATFORM_TEST_PG_REQUIRED", "") not in ("", "0")
BACKENDS = ("sqlite", "postgresql")


@dataclass
class _Choice:
    url: str | None  # None: no PostgreSQL to be had
    description: str
    server: throwaway_pg.ThrowawayPostgres | None = None


_lock = threading.Lock()
_choice: _Choice | None = None


def _connect(url: URL, timeout: int = 3) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(host=url.host, port=url.port or 5432, user=url.username,
                           password=url.password, dbname=url.database, autocommit=True,
                           connect_timeout=timeout)


def _probe(url: URL) -> str | None:
    """None when a server answers at ``url``, else why not (one line)."""
    try:
        with _connect(url):
            return None
    except psycopg.Error as exc:
        lines = str(exc).strip().splitlines()  # "connection failed: ... failed: WHY"
        return lines[0].rsplit("failed: ", 1)[-1].strip() if lines else type(exc).__name__


def _choose() -> _Choice:
    base = make_url(PG_BASE)
    where = f"{base.host}:{base.port or 5432}"
    if FORCE_THROWAWAY:
        why = "PLATFORM_TEST_PG_THROWAWAY is set"
    else:
        problem = _probe(base)
        if problem is None:
            return _Choice(PG_BASE, f"the running server at {where}")
        why = f"no server at {where} ({problem})"
        log.info("PostgreSQL: %s; starting a throwaway one", why)
    try:
        server = throwaway_pg.start()
    except throwaway_pg.ThrowawayUnavailable as exc:
        return _Choice(None, f"{why}, and none could be started: {exc}")
    atexit.register(server.stop)  # also when used outside pytest (bench/)
    port = make_url(server.url).port
    return _Choice(server.url, f"a throwaway server, PostgreSQL {server.version} from "
                               f"{server.origin}, on 127.0.0.1:{port} ({why})", server)


def postgres_base() -> str:
    """The URL of a server the tests may create databases on, chosen once per session."""
    global _choice
    with _lock:
        if _choice is None:
            _choice = _choose()
        choice = _choice
    if choice.url is None:
        if REQUIRED:
            pytest.exit(f"PostgreSQL is required (PLATFORM_TEST_PG_REQUIRED): "
                        f"{choice.description}", returncode=1)
        pytest.skip(f"PostgreSQL tests skipped: {choice.description}")
    return choice.url


def postgres_description() -> str | None:
    """Which PostgreSQL the session used, for the summary; None when none was needed."""
    if _choice is None:
        return None
    return _choice.description if _choice.url is not None else f"none ({_choice.description})"


def stop_throwaway() -> None:
    """Stop the session's throwaway server, if it started one."""
    with _lock:
        server = _choice.server if _choice is not None else None
    if server is not None:
        server.stop()
        atexit.unregister(server.stop)


@contextmanager
def platform_database(backend: str, folder: Path) -> Iterator[str]:
    """A SQLAlchemy URL of an empty database of the given kind."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'platform.db'}"
        return
    base = make_url(postgres_base())
    name = f"platform_test_{uuid.uuid4().hex[:12]}"
    admin = _connect(base, timeout=10)
    try:
        admin.execute(f'CREATE DATABASE "{name}"')
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
