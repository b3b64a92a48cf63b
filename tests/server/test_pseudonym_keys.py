"""The pseudonym keys at rest (issue 16, the last platform gaps), on SQLite and
PostgreSQL: the person key (``settings``) and the rounds' keys (``round_keys``) are kept
only sealed under the platform's data key, which is never in the database; clear rows a
platform left before are sealed on the next start, and keep their pseudonyms; a platform
given another data key refuses to start rather than making a new person key."""

from __future__ import annotations

import base64
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from server.__main__ import main
from server.db import round_keys, rounds, settings
from server.keyring import PSEUDONYM_KEY, PseudonymKeyError, pseudonym_key, round_key
from server.persons import person_of, round_pseudonym
from server.platform import build_platform
from tests.support.databases import BACKENDS, platform_database
from tests.support.platform_api import Api, person, person_key


def stored_keys(api: Api) -> tuple[bytes, dict[str, bytes]]:
    """The settings row and the round_keys rows, as the database holds them."""
    with api.platform.engine.connect() as conn:
        person_row = conn.execute(select(settings.c.value)
                                  .where(settings.c.name == PSEUDONYM_KEY)).scalar_one()
        round_rows = conn.execute(select(round_keys.c.round_id, round_keys.c.key)).all()
    return bytes(person_row), {r: bytes(k) for r, k in round_rows}


def opened_round_key(api: Api, round_id: str) -> bytes:
    cipher = api.platform.platform.cipher
    assert cipher is not None
    with api.platform.engine.begin() as conn:
        return round_key(conn, cipher, round_id, api.clock.now())


def test_the_rows_hold_no_key_bytes_and_the_data_key_opens_them(
        api: Api, served: tuple[Api, str]) -> None:
    first = api.round()["id"]
    second = api.round()["id"]
    number = person(801)
    a, b = api.enter(first, number), api.enter(second, number)
    api.admin.post(f"/api/v1/admin/rounds/{first}/draws", json={"chain": "test"})
    key = person_key(api.platform)
    person_row, round_rows = stored_keys(api)
    # Before: the settings row was the key itself, and each round_keys row its key.
    assert len(key) == 32 and key not in person_row and person_row != key
    assert set(round_rows) >= {first, second}
    opened = {r: opened_round_key(api, r) for r in (first, second)}
    for row in round_rows.values():
        for secret in (key, *opened.values()):
            assert secret not in row
    # What the keys are for still works: the pseudonyms the entries got are theirs.
    internal = person_of(key, "resident_id", number)
    assert round_pseudonym(opened[first], internal) == a["pseudonym"]
    assert round_pseudonym(opened[second], internal) == b["pseudonym"]
    _, db = served
    if db.startswith("sqlite"):  # not even the file's bytes, WAL included
        path = Path(db.removeprefix("sqlite:///"))
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        for secret in (key, *opened.values()):
            assert secret not in raw


@pytest.mark.parametrize("backend", BACKENDS)
def test_clear_keys_left_by_an_older_platform_are_sealed_on_start(backend: str,
                                                                  tmp_path: Path) -> None:
    with platform_database(backend, tmp_path) as db:
        first = build_platform(db, tmp_path / "sign.key")
        clear, round_clear = secrets.token_bytes(32), secrets.token_bytes(32)
        now = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
        with first.engine.begin() as conn:  # what a platform before sealing wrote
            conn.execute(settings.update().where(settings.c.name == PSEUDONYM_KEY)
                         .values(value=clear))
            conn.execute(rounds.insert().values(id="R-OLD", item_id="masks", config={},
                                                created_at=now))
            conn.execute(round_keys.insert().values(round_id="R-OLD", key=round_clear,
                                                    created_at=now))
        first.engine.dispose()
        again = build_platform(db, tmp_path / "sign.key")
        try:
            assert again.cipher is not None
            with again.engine.begin() as conn:
                sealed = bytes(conn.execute(select(settings.c.value)).scalar_one())
                sealed_round = bytes(conn.execute(select(round_keys.c.key)).scalar_one())
                assert round_key(conn, again.cipher, "R-OLD", now) == round_clear
            assert clear not in sealed and round_clear not in sealed_round
            # The same keys, so every pseudonym already stored still names its person.
            assert pseudonym_key(again.engine, again.cipher) == clear
        finally:
            again.engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_another_data_key_refuses_to_start_and_makes_no_new_key(
        backend: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with platform_database(backend, tmp_path) as db:
        made = build_platform(db, tmp_path / "sign.key")
        assert made.cipher is not None
        key = pseudonym_key(made.engine, made.cipher)
        with made.engine.connect() as conn:
            before = conn.execute(select(settings.c.value)).scalar_one()
        made.engine.dispose()
        other = tmp_path / "other.key"
        other.write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
        other.chmod(0o600)
        # Before: any data key would do (the key sat in clear); a new key silently would
        # make every entry, case and lockout someone else's.
        with pytest.raises(PseudonymKeyError, match="data key it was made with"):
            build_platform(db, tmp_path / "sign.key", data_key=other)
        # python -m server says so in one line, and exits non-zero.
        code = main(["--db", db, "--signing-key", str(tmp_path / "sign.key"),
                     "--data-key", str(other), "--port", "1"])
        err = capsys.readouterr().err
        assert code == 2 and err.startswith("error: the platform's pseudonym key is sealed")
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1
        same = build_platform(db, tmp_path / "sign.key")
        try:
            assert same.cipher is not None
            with same.engine.connect() as conn:
                assert conn.execute(select(settings.c.value)).scalar_one() == before
            assert pseudonym_key(same.engine, same.cipher) == key
        finally:
            same.engine.dispose()
