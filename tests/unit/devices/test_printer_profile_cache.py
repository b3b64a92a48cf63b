"""python-escpos's parsed printer profiles kept in the kiosk's folder between starts."""

from __future__ import annotations

import os
import pickle
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from devices.printer.profile_cache import ENV, pickle_path, use_profile_cache
from tests.support import REPO_ROOT


def test_a_truncated_cache_is_removed_and_the_folder_named(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    folder = tmp_path / "cache"
    folder.mkdir()
    pickle_path(folder).write_bytes(pickle.dumps({"profiles": {}})[:5])  # a start killed mid-write
    use_profile_cache(folder)
    assert not pickle_path(folder).exists()
    assert os.environ[ENV] == str(folder)


def test_a_new_folder_is_the_kiosks_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV, raising=False)
    use_profile_cache(tmp_path / "data" / "cache" / "escpos")
    assert stat.S_IMODE((tmp_path / "data" / "cache" / "escpos").stat().st_mode) == 0o700


def test_python_escpos_writes_then_reads_the_cache(tmp_path: Path) -> None:
    code = ("import sys; from pathlib import Path\n"
            "from devices.printer.profile_cache import use_profile_cache\n"
            "use_profile_cache(Path(sys.argv[1]))\n"
            "import escpos.capabilities as c; print(c.full_load)\n")
    env = {k: v for k, v in os.environ.items() if k != ENV}
    runs = [subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=REPO_ROOT, env=env,
                           capture_output=True, text=True, timeout=60, check=True).stdout.split()
            for _ in range(2)]
    assert runs == [["True"], ["False"]]  # parsed once, then loaded from the pickle
    assert pickle_path(tmp_path).exists()
