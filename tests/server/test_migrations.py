"""The platform's schema migrations on SQLite and PostgreSQL: an empty database is
migrated to exactly the models, an older platform's create_all database is adopted
with its rows, starting again changes nothing, platforms starting at once take turns,
and a change to the models becomes the next revision."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    Column,
    Integer,
    Table,
    Text,
    create_engine,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy.engine import Engine

import server.schema
from server.db import make_engine, metadata, settings, transactions
from server.schema import head_revision, new_revision, upgrade_to_head
from tests.support import REPO_ROOT
from tests.support.databases import BACKENDS, platform_database

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with platform_database(request.param, tmp_path) as url:
        yield url


def schema_diff(engine: Engine) -> list[Any]:
    """What the database lacks or has beyond the models; empty when they agree."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True})
        return list(compare_metadata(context, metadata))


def revision_of(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def old_platform_rows(engine: Engine) -> None:
    """What an older platform stored: its pseudonym key and one transaction."""
    with engine.begin() as connection:
        connection.execute(insert(transactions).values(
            id="0b8e4c1e-0000-4000-8000-000000000001", kiosk_id="K-1", seq=1,
            kind="application", item_id="hk-permit", reference="K-1-0001",
            payload={"fields": {}}, client_created_at=NOW.isoformat(), received_at=NOW))
        if inspect(connection).has_table("settings"):
            connection.execute(insert(settings).values(name="pseudonym_key", value=b"k" * 32))


def test_an_empty_database_is_migrated_to_exactly_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert revision_of(engine) == head_revision()
        assert schema_diff(engine) == []
        assert set(inspect(engine).get_table_names()) == set(metadata.tables) | {
            "alembic_version"}
    finally:
        engine.dispose()


def test_a_create_all_database_is_adopted_with_its_rows(db_url: str) -> None:
    old = create_engine(db_url)  # as platforms before migrations made it
    metadata.create_all(old)
    old_platform_rows(old)
    old.dispose()

    engine = make_engine(db_url)
    try:
        assert revision_of(engine) == head_revision()
        assert schema_diff(engine) == []
        with engine.connect() as connection:
            assert connection.execute(select(transactions.c.reference)).scalars().all() == [
                "K-1-0001"]
            assert connection.execute(select(settings.c.value)).scalar_one() == b"k" * 32
    finally:
        engine.dispose()


def test_the_first_platforms_database_gets_the_tables_it_lacks(db_url: str) -> None:
    old = create_engine(db_url)  # the first platform made only `transactions`
    transactions.create(old)
    old_platform_rows(old)
    old.dispose()

    engine = make_engine(db_url)
    try:
        assert revision_of(engine) == head_revision()
        assert schema_diff(engine) == []
        with engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(transactions)).scalar() == 1
    finally:
        engine.dispose()


def test_upgrading_again_changes_nothing(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        old_platform_rows(engine)
        upgrade_to_head(engine)
        upgrade_to_head(engine)
        assert revision_of(engine) == head_revision()
        assert schema_diff(engine) == []
        with engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(transactions)).scalar() == 1
    finally:
        engine.dispose()


# A platform process that starts once told to: the processes' barrier, without sleeps.
STARTER = """
import sys
from server.db import make_engine
print("ready", flush=True)
sys.stdin.readline()
make_engine(sys.argv[1]).dispose()
"""


def test_platform_processes_starting_at_once_migrate_one_after_another(
        tmp_path: Path) -> None:
    # PostgreSQL only: a fleet's platforms share one; SQLite serves one platform process.
    with platform_database("postgresql", tmp_path) as url:
        starters = [subprocess.Popen([sys.executable, "-c", STARTER, url], cwd=REPO_ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True) for _ in range(4)]
        try:
            for starter in starters:
                assert starter.stdout is not None and starter.stdout.readline() == "ready\n"
            for starter in starters:
                assert starter.stdin is not None
                starter.stdin.write("go\n")
                starter.stdin.flush()
            for starter in starters:
                _, errors = starter.communicate(timeout=60)
                assert starter.returncode == 0, errors
        finally:
            for starter in starters:
                starter.kill()
                starter.wait()
        engine = make_engine(url)
        try:
            assert revision_of(engine) == head_revision()
            assert schema_diff(engine) == []
        finally:
            engine.dispose()


def test_platforms_starting_at_once_in_one_process_migrate_in_turn(db_url: str) -> None:
    starting = threading.Barrier(4)

    def start(_: int) -> Engine:
        starting.wait()
        return make_engine(db_url)

    with ThreadPoolExecutor(4) as pool:
        engines = list(pool.map(start, range(4)))
    try:
        assert revision_of(engines[0]) == head_revision()
        assert schema_diff(engines[0]) == []
    finally:
        for engine in engines:
            engine.dispose()


def test_a_table_added_to_the_models_becomes_the_next_revision(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scripts = tmp_path / "migrations"  # a copy: the real versions/ stays untouched
    shutil.copytree(server.schema.SCRIPTS, scripts,
                    ignore=shutil.ignore_patterns("__pycache__"))
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    monkeypatch.setattr(server.schema, "SCRIPTS", scripts)
    notes = Table("notes", metadata, Column("pk", Integer, primary_key=True),
                  Column("text", Text, nullable=False))
    head = head_revision()
    assert head is not None
    following = f"{int(head.split('_')[0]) + 1:04d}"
    try:
        path = new_revision(engine, "add notes")
        assert path.parent == scripts / "versions" and path.name == f"{following}_add_notes.py"
        text = path.read_text(encoding="utf-8")
        assert f"down_revision: str | Sequence[str] | None = '{head}'" in text
        assert "op.create_table('notes'" in text
        upgrade_to_head(engine)
        assert revision_of(engine) == following
        assert schema_diff(engine) == []  # with notes in the models
    finally:
        metadata.remove(notes)
        engine.dispose()
