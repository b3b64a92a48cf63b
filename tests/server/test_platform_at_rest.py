"""The platform's data at rest (issue 16, finding 7; the server side of finding 9), on
SQLite and PostgreSQL: personal fields are stored only sealed, under a key kept outside
the database, and still open with it; every file the platform writes is its owner's
only; its default folder is the user data folder, never the current one; a token file
written by `enrol --out` is 0600 even over an older 0644 one."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, select

from server.db import transactions
from server.sealing import DataKeyError, PayloadCipher, SealError, load_cipher
from tests.support import REPO_ROOT
from tests.support.platform_api import START, Api, person

BATCH = "/api/v1/transactions/batch"
NAME, PHONE, ADDRESS = "欧阳测试", "13912345678", "厦门市思明区测试路99号"
ANSWER = "测试单位名称甲乙丙"  # a form's free answer: personal as much as the address


def application(kiosk: str, seq: int, number: str) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "kiosk_id": kiosk, "seq": seq, "kind": "application",
            "item_id": "marriage-record-proof", "reference": f"{kiosk}-{seq:06d}",
            "created_at": START.isoformat(),
            "payload": {"identity": {"name": NAME, "id_number": number, "source": "card",
                                     "phone": PHONE, "address": ADDRESS, "born": "1980-01-01"},
                        "answers": {"employer": ANSWER},
                        "decision": {"outcome": "review"}}}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def every_row_as_text(api: Api) -> str:
    """Every table of the platform's database, every row, as one text."""
    tables = MetaData()
    tables.reflect(api.platform.engine)
    with api.platform.engine.connect() as conn:
        return "\n".join(str(row) for table in tables.sorted_tables
                         for row in conn.execute(select(table)))


def test_personal_fields_are_stored_only_sealed_and_open_with_the_key(api: Api) -> None:
    number = person(21)
    tx = application("K-A", 1, number)
    result = api.kiosk("K-A").post(BATCH, json={"transactions": [tx]}).json()["results"][0]
    assert result["status"] == "accepted"
    stored = every_row_as_text(api)
    for value in (NAME, number, PHONE, ADDRESS, ANSWER, number[6:14]):
        assert value not in stored
    with api.platform.engine.connect() as conn:
        kept = conn.execute(select(transactions.c.payload)).scalar_one()
    assert set(kept) == {"decision", "sealed"}  # what is not personal stays readable
    cipher = api.platform.platform.cipher
    assert cipher is not None
    assert cipher.open_payload(tx["id"], kept) == tx["payload"]


def test_a_sqlite_file_holds_no_personal_field_in_clear(api: Api, served: Any) -> None:
    _, db = served
    if not db.startswith("sqlite"):
        pytest.skip("the file is SQLite's")
    number = person(22)
    api.kiosk("K-A").post(BATCH, json={"transactions": [application("K-A", 1, number)]})
    path = Path(db.removeprefix("sqlite:///"))
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    for value in (NAME, number, PHONE, ADDRESS, ANSWER):
        assert value.encode() not in raw
    assert {mode(p) for p in path.parent.glob(path.name + "*")} == {0o600}


def test_the_data_key_is_kept_outside_the_database_in_a_private_file(api: Api,
                                                                       tmp_path: Path) -> None:
    key_file = tmp_path / "platform-data.key"  # beside the signing key by default
    assert mode(key_file) == 0o600
    key = base64.b64decode(key_file.read_text())
    assert key not in every_row_as_text(api).encode()
    assert mode(tmp_path / "sign.key") == 0o600


def test_a_sealed_value_opens_only_for_its_own_row_and_key() -> None:
    cipher = PayloadCipher.throwaway()
    payload = application("K-A", 1, person(23))["payload"]
    kept = cipher.seal_payload("application", "id-1", payload)
    with pytest.raises(SealError):
        cipher.open_payload("id-2", kept)  # moved to another row
    with pytest.raises(SealError):
        PayloadCipher.throwaway().open_payload("id-1", kept)  # another key


def test_a_rotated_key_still_opens_older_rows(tmp_path: Path) -> None:
    key_file = tmp_path / "data.key"
    old = load_cipher(key_file)
    kept = old.seal_payload("application", "id-1", {"identity": {"name": NAME}})
    older = key_file.with_name("data.key.old")
    fd = os.open(older, os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key_file.read_text())
    key_file.unlink()
    rotated = load_cipher(key_file)
    assert rotated.open_payload("id-1", kept) == {"identity": {"name": NAME}}


def test_the_environment_key_wins_and_a_loose_key_file_is_refused(tmp_path: Path) -> None:
    key = base64.b64encode(os.urandom(32)).decode()
    from_env = load_cipher(tmp_path / "absent.key", key)
    assert not (tmp_path / "absent.key").exists()
    kept = from_env.seal_payload("application", "id-1", {"identity": {"name": NAME}})
    assert load_cipher(tmp_path / "other.key", key).open_payload("id-1", kept)
    loose = tmp_path / "loose.key"
    loose.write_text(key)
    loose.chmod(0o644)
    with pytest.raises(DataKeyError, match="chmod 600"):
        load_cipher(loose)
    with pytest.raises(DataKeyError, match="32 bytes"):
        load_cipher(tmp_path / "x.key", base64.b64encode(b"short").decode())


def test_an_older_world_readable_database_file_is_made_private(tmp_path: Path) -> None:
    from server.db import make_engine

    path = tmp_path / "platform.db"
    path.touch()
    path.chmod(0o644)
    engine = make_engine(f"sqlite:///{path}")
    engine.dispose()
    assert {mode(p) for p in tmp_path.glob("platform.db*")} == {0o600}


def run_server(args: list[str], home: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_DATA_HOME": str(home), "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run([sys.executable, "-m", "server", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def test_the_default_database_is_under_the_user_data_folder_not_here(tmp_path: Path) -> None:
    here, home = tmp_path / "here", tmp_path / "data"
    here.mkdir()
    done = run_server(["enrol", "kiosk", "K-1", "--out", "K-1.token"], home, here)
    assert done.returncode == 0, done.stderr
    folder = home / "gov-kiosk-platform"
    assert mode(folder) == 0o700 and mode(folder / "platform.db") == 0o600
    assert sorted(p.name for p in here.iterdir()) == ["K-1.token"]


def test_enrol_out_over_a_world_readable_file_leaves_it_private(tmp_path: Path) -> None:
    token_file = tmp_path / "K-2.token"
    token_file.write_text("an older token\n")
    token_file.chmod(0o644)
    done = run_server(["enrol", "--db", f"sqlite:///{tmp_path / 'p.db'}", "kiosk", "K-2",
                       "--out", str(token_file)], tmp_path / "data", tmp_path)
    assert done.returncode == 0, done.stderr
    assert mode(token_file) == 0o600
    assert token_file.read_text().startswith("gk.kiosk.K-2.")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_git_ignores_the_platforms_files() -> None:
    names = ["platform.db", "platform.db-wal", "platform-signing.key", "platform-data.key",
             "platform-data.key.old", "K-1.token"]
    done = subprocess.run(["git", "check-ignore", *names], cwd=REPO_ROOT,
                          capture_output=True, text=True)
    assert done.stdout.split() == names
