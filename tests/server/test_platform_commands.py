"""The platform's staff commands as an operator runs them: enrol, revoke, round."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from server.credentials import authenticate
from server.db import make_engine
from server.rounds import list_rounds
from tests.support import REPO_ROOT
from wiring.config import DEMO_CONFIG, load_config
from wiring.sync import platform_token

ROOT = REPO_ROOT
ROUND = ROOT / "server" / "data" / "rounds" / "xiamen-masks.toml"


def server(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "server", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_enrol_prints_a_token_that_works_until_revoked(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'p.db'}"
    made = server("enrol", "--db", db, "kiosk", "XH-CCB-0002")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    engine = make_engine(db)
    assert authenticate(engine, token) is not None
    assert server("revoke", "--db", db, "kiosk", "XH-CCB-0002").returncode == 0
    assert authenticate(engine, token) is None
    again = server("revoke", "--db", db, "kiosk", "XH-CCB-0002")
    assert again.returncode == 1 and "had no live credential" in again.stdout
    bad = server("enrol", "--db", db, "kiosk", "has space")
    assert bad.returncode == 2 and "letters, digits" in bad.stderr
    engine.dispose()


def test_a_round_file_is_checked_and_loaded_once(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'p.db'}"
    loaded = server("round", "--db", db, str(ROUND))
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.startswith("round xm-masks-2026-12: lottery, 8 slots, 470 places")
    assert server("round", "--db", db, str(ROUND)).returncode == 1  # exists already
    broken = tmp_path / "broken.toml"
    broken.write_text(ROUND.read_text(encoding="utf-8").replace(
        '"sm-01/am/kn95" = 50', '"sm-01/am/n99" = 50'), encoding="utf-8")
    refused = server("round", "--db", db, str(broken))
    assert refused.returncode == 2
    assert "type not in product_types" in refused.stderr
    engine = make_engine(db)
    assert [r.id for r in list_rounds(engine)] == ["xm-masks-2026-12"]
    engine.dispose()


def test_the_kiosk_finds_its_credential_in_the_env_or_its_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(DEMO_CONFIG, data_dir=tmp_path / "data",
                         platform_url="http://127.0.0.1:9")
    monkeypatch.delenv("KIOSK_PLATFORM_TOKEN", raising=False)
    assert platform_token(config) == ""
    config.credential_file.parent.mkdir(parents=True)
    config.credential_file.write_text("gk.kiosk.XH-CCB-0001.fromfile\n", encoding="utf-8")
    config.credential_file.chmod(0o600)  # a credential others can read is refused
    assert platform_token(config) == "gk.kiosk.XH-CCB-0001.fromfile"
    monkeypatch.setenv("KIOSK_PLATFORM_TOKEN", "gk.kiosk.XH-CCB-0001.fromenv")
    assert platform_token(config) == "gk.kiosk.XH-CCB-0001.fromenv"
