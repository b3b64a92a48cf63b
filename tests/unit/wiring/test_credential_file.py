"""Issue 16, finding 9: the kiosk refuses a platform credential file others may read or
write, with the chmod to run; its owner's alone (0600) is read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from contracts.errors import ConfigError
from tests.support import REPO_ROOT
from wiring.config import DEMO_CONFIG, load_config
from wiring.sync import platform_token

TOKEN = "gk.kiosk.XH-CCB-0001.secret"


def credential(tmp_path: Path, mode: int) -> Path:
    path = tmp_path / "data" / "platform.token"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TOKEN + "\n", encoding="utf-8")
    path.chmod(mode)
    return path


@pytest.mark.parametrize("mode", [0o644, 0o666, 0o640, 0o604, 0o620, 0o602])
def test_a_credential_open_to_others_is_refused_with_the_chmod(
        tmp_path: Path, mode: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KIOSK_PLATFORM_TOKEN", raising=False)
    path = credential(tmp_path, mode)
    config = load_config(DEMO_CONFIG, data_dir=tmp_path / "data",
                         platform_url="http://127.0.0.1:9")
    with pytest.raises(ConfigError) as err:
        platform_token(config)
    message = str(err.value)
    assert f"mode {mode:04o}" in message and f"run: chmod 600 {path}" in message
    assert TOKEN not in message  # the secret itself is never repeated
    path.chmod(0o600)
    assert platform_token(config) == TOKEN


def test_sync_refuses_to_start_on_a_world_readable_credential(
        tmp_path: Path) -> None:
    path = credential(tmp_path, 0o644)
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_PLATFORM_TOKEN"}
    result = subprocess.run(
        [sys.executable, "main.py", "--data-dir", str(tmp_path / "data"),
         "--platform-url", "http://127.0.0.1:9", "sync", "--once"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"chmod 600 {path}" in result.stderr and "Traceback" not in result.stderr
    assert TOKEN not in result.stderr + result.stdout
