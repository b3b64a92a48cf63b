"""What the platform remembers between requests (credentials, round configurations)
is forgotten the moment it changes through the platform, and soon after it changes
anywhere else (server.credentials, server.rounds)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine

from contracts.platform_api import RoundConfig
from server import rounds as round_store
from server.credentials import CredentialCache, Principal, authenticate, enrol, revoke
from server.db import make_engine, rounds
from server.demo_rounds import add_demo_rounds
from server.rounds import create_round, forget_round, load_round

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    made = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    yield made
    made.dispose()


def test_a_revoked_or_replaced_token_stops_at_once_on_the_cached_path(engine: Engine) -> None:
    token = enrol(engine, "kiosk", "K-1", NOW)
    assert authenticate(engine, token, cached=True) == Principal("kiosk", "K-1")
    assert revoke(engine, "kiosk", "K-1", NOW)
    assert authenticate(engine, token, cached=True) is None
    again = enrol(engine, "kiosk", "K-1", NOW)
    assert authenticate(engine, again, cached=True) is not None
    enrol(engine, "kiosk", "K-1", NOW)  # a lost token replaced: the old one stops
    assert authenticate(engine, again, cached=True) is None


def test_the_uncached_path_sees_another_process_revoking_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    serving, elsewhere = make_engine(url), make_engine(url)  # two processes' engines
    token = enrol(serving, "kiosk", "K-1", NOW)
    assert authenticate(serving, token, cached=True) is not None
    revoke(elsewhere, "kiosk", "K-1", NOW)
    assert authenticate(serving, token) is None  # the uncached path asks the database
    serving.dispose()
    elsewhere.dispose()


def test_the_cache_forgets_entries_older_than_its_time() -> None:
    moment = [0.0]
    cache = CredentialCache(ttl=5.0, clock=lambda: moment[0])
    cache.put("gk.kiosk.K-1.x", Principal("kiosk", "K-1"))
    moment[0] = 4.9
    assert cache.get("gk.kiosk.K-1.x") == Principal("kiosk", "K-1")
    moment[0] = 5.0
    assert cache.get("gk.kiosk.K-1.x") is None


def test_a_made_up_token_is_never_remembered(engine: Engine) -> None:
    enrol(engine, "kiosk", "K-1", NOW)
    assert authenticate(engine, "gk.kiosk.K-1.guess", cached=True) is None
    assert authenticate(engine, "gk.kiosk.K-1.guess", cached=True) is None


def test_a_changed_round_is_read_afresh_after_forget_round(engine: Engine) -> None:
    config = RoundConfig(id="r1", mode="first_come", opens_at=NOW,
                         closes_at=NOW + timedelta(days=1), quotas={"sm-01/am": 3})
    create_round(engine, config, NOW)
    with engine.connect() as conn:
        assert load_round(conn, "r1") == config
    later = config.model_copy(update={"closes_at": NOW + timedelta(days=2)})
    with engine.begin() as conn:
        conn.execute(update(rounds).where(rounds.c.id == "r1")
                     .values(config=later.model_dump(mode="json")))
        assert load_round(conn, "r1") == config  # still the one remembered
    forget_round(engine, "r1")
    with engine.connect() as conn:
        assert load_round(conn, "r1") == later
        assert load_round(conn, "no-such-round") is None


def test_a_round_changed_elsewhere_shows_within_the_cache_time(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    config = RoundConfig(id="r1", mode="first_come", opens_at=NOW,
                         closes_at=NOW + timedelta(days=1), quotas={"sm-01/am": 3})
    create_round(engine, config, NOW)
    with engine.connect() as conn:
        load_round(conn, "r1")
    later = config.model_copy(update={"closes_at": NOW + timedelta(days=2)})
    with engine.begin() as conn:
        conn.execute(update(rounds).where(rounds.c.id == "r1")
                     .values(config=later.model_dump(mode="json")))
    monkeypatch.setattr(round_store, "CACHE_SECONDS", 0.0)  # the time has passed
    with engine.connect() as conn:
        assert load_round(conn, "r1") == later


def test_demo_rounds_moved_on_a_restart_are_seen_at_once(engine: Engine) -> None:
    add_demo_rounds(engine, NOW)
    ids = [r.id for r in round_store.list_rounds(engine)]
    with engine.connect() as conn:
        before = {i: load_round(conn, i) for i in ids}
    later = NOW + timedelta(days=400)  # every demo round has closed: their times move
    add_demo_rounds(engine, later)
    with engine.connect() as conn:
        for i in ids:
            moved, first = load_round(conn, i), before[i]
            assert moved is not None and first is not None
            assert moved.closes_at > later > first.closes_at
