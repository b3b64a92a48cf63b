"""What the platform remembers between requests (credentials, round configurations,
round keys) is the app's own (server.caches), is forgotten the moment it changes
through the platform, and soon after it changes anywhere else (server.credentials,
server.rounds)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine

from contracts.platform_api import RoundConfig
from server import rounds as round_store
from server.caches import PlatformCaches
from server.credentials import CredentialCache, Principal, authenticate, enrol, revoke
from server.db import make_engine, rounds
from server.demo_rounds import add_demo_rounds
from server.keyring import round_key
from server.rounds import RoundCache, create_round, forget_round, load_round
from server.sealing import PayloadCipher

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    made = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    yield made
    made.dispose()


def test_a_revoked_or_replaced_token_stops_at_once_on_the_cached_path(engine: Engine) -> None:
    cache = CredentialCache()
    token = enrol(engine, "kiosk", "K-1", NOW, cache)
    assert authenticate(engine, token, cache) == Principal("kiosk", "K-1")
    assert revoke(engine, "kiosk", "K-1", NOW, cache)
    assert authenticate(engine, token, cache) is None
    again = enrol(engine, "kiosk", "K-1", NOW, cache)
    assert authenticate(engine, again, cache) is not None
    enrol(engine, "kiosk", "K-1", NOW, cache)  # a lost token replaced: the old one stops
    assert authenticate(engine, again, cache) is None


def test_the_uncached_path_sees_another_process_revoking_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    serving, elsewhere = make_engine(url), make_engine(url)  # two processes' engines
    cache = CredentialCache()
    token = enrol(serving, "kiosk", "K-1", NOW, cache)
    assert authenticate(serving, token, cache) is not None
    revoke(elsewhere, "kiosk", "K-1", NOW)
    assert authenticate(serving, token, cache) is not None  # remembered for its time
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
    cache = CredentialCache()
    enrol(engine, "kiosk", "K-1", NOW, cache)
    assert authenticate(engine, "gk.kiosk.K-1.guess", cache) is None
    assert cache.get("gk.kiosk.K-1.guess") is None
    assert authenticate(engine, "gk.kiosk.K-1.guess", cache) is None


def test_a_changed_round_is_read_afresh_after_forget_round(engine: Engine) -> None:
    config = RoundConfig(id="r1", mode="first_come", opens_at=NOW,
                         closes_at=NOW + timedelta(days=1), quotas={"sm-01/am": 3})
    cache = RoundCache()
    create_round(engine, config, NOW, cache)
    with engine.connect() as conn:
        assert load_round(conn, "r1", cache) == config
    later = config.model_copy(update={"closes_at": NOW + timedelta(days=2)})
    with engine.begin() as conn:
        conn.execute(update(rounds).where(rounds.c.id == "r1")
                     .values(config=later.model_dump(mode="json")))
        assert load_round(conn, "r1", cache) == config  # still the one remembered
        assert load_round(conn, "r1") == later  # without the app's cache: as stored
    forget_round(cache, "r1")
    with engine.connect() as conn:
        assert load_round(conn, "r1", cache) == later
        assert load_round(conn, "no-such-round", cache) is None


def test_a_round_changed_elsewhere_shows_within_the_cache_time(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    config = RoundConfig(id="r1", mode="first_come", opens_at=NOW,
                         closes_at=NOW + timedelta(days=1), quotas={"sm-01/am": 3})
    cache = RoundCache()
    create_round(engine, config, NOW, cache)
    with engine.connect() as conn:
        load_round(conn, "r1", cache)
    later = config.model_copy(update={"closes_at": NOW + timedelta(days=2)})
    with engine.begin() as conn:
        conn.execute(update(rounds).where(rounds.c.id == "r1")
                     .values(config=later.model_dump(mode="json")))
    monkeypatch.setattr(round_store, "CACHE_SECONDS", 0.0)  # the time has passed
    with engine.connect() as conn:
        assert load_round(conn, "r1", cache) == later


def test_demo_rounds_moved_on_a_restart_are_seen_at_once(engine: Engine) -> None:
    cache = RoundCache()
    add_demo_rounds(engine, NOW, cache)
    ids = [r.id for r in round_store.list_rounds(engine)]
    with engine.connect() as conn:
        before = {i: load_round(conn, i, cache) for i in ids}
    later = NOW + timedelta(days=400)  # every demo round has closed: their times move
    add_demo_rounds(engine, later, cache)
    with engine.connect() as conn:
        for i in ids:
            moved, first = load_round(conn, i, cache), before[i]
            assert moved is not None and first is not None
            assert moved.closes_at > later > first.closes_at


def test_two_apps_on_one_database_keep_caches_of_their_own(engine: Engine) -> None:
    """Nothing is kept at module level: what one app remembers, another does not."""
    first, second = PlatformCaches(), PlatformCaches()
    token = enrol(engine, "kiosk", "K-1", NOW)
    assert authenticate(engine, token, first.credentials) is not None
    assert first.credentials.get(token) == Principal("kiosk", "K-1")
    assert second.credentials.get(token) is None
    revoke(engine, "kiosk", "K-1", NOW, second.credentials)  # through the second app
    assert authenticate(engine, token, second.credentials) is None
    assert first.credentials.get(token) is not None  # the first: until its time is up


def test_a_rounds_key_is_read_once_per_app(engine: Engine) -> None:
    cipher, caches = PayloadCipher.throwaway(), PlatformCaches()
    create_round(engine, RoundConfig(id="r1", mode="first_come", opens_at=NOW,
                                     closes_at=NOW + timedelta(days=1),
                                     quotas={"sm-01/am": 3}), NOW)
    with engine.begin() as conn:
        made = round_key(conn, cipher, "r1", NOW, caches.round_keys)
    assert caches.round_keys.get("r1") == made
    with engine.begin() as conn:
        assert round_key(conn, cipher, "r1", NOW) == made  # the stored one is the same
