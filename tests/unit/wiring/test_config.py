"""Config: the demo file validates; a bad file says which file and which key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from contracts.errors import ConfigError
from tests.support import REPO_ROOT
from wiring.config import DEMO_CONFIG, EMBEDDED, load_config

REPO = REPO_ROOT


def test_demo_config_loads_with_paths_anchored_to_the_file() -> None:
    config = load_config(DEMO_CONFIG)
    assert config.kiosk.language == "zh-CN"
    assert config.platform.url == EMBEDDED
    assert config.catalog.path.is_file()
    assert config.devices.idcard.deck is not None and config.devices.idcard.deck.is_file()


def test_overrides_win_over_the_file(tmp_path: Path) -> None:
    config = load_config(DEMO_CONFIG, data_dir=tmp_path, platform_url="http://127.0.0.1:9")
    assert config.data_dir == tmp_path
    assert config.platform.url == "http://127.0.0.1:9"
    assert config.key_file == tmp_path / "kiosk.key"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


BASE = """
[kiosk]
id = "K-1"
branch_zh = "支行"
branch_en = "Branch"
[catalog]
path = "catalog.toml"
"""


@pytest.mark.parametrize(
    ("extra", "key", "words"),
    [
        ("[idle]\nwarning_s = 10\n", "idle.warning_s", "greater than or equal to 30"),
        ("[idle]\ntimeout_s = 100\nwarning_s = 100\n", "idle", "warning_s must be less"),
        ("[platform]\nurl = \"ftp://x\"\n", "platform", "http"),
        ("[devices.printer]\npaper_mm = 70\n", "devices.printer.paper_mm", "58"),
        ("[devices.idcard]\nkind = \"laser\"\n", "devices.idcard.kind", "mock"),
        ("[idle]\ntimeout = 100\n", "idle.timeout", "Extra inputs"),
        ("[devices.idcard]\nkind = \"serial\"\n", "devices.idcard", "port or usb"),
        ("[devices.idcard]\nkind = \"serial\"\nusb = \"1a86\"\n", "devices.idcard.usb",
         "pattern"),
        ("[devices.idcard]\nbaudrate = 300\n", "devices.idcard.baudrate", "1200"),
        ("[staff]\npin_hash = \"2468\"\n", "staff", "main.py staff-pin"),
        ("[staff]\nlong_press_s = 0.2\n", "staff.long_press_s", "greater than or equal to 1"),
    ],
)
def test_a_bad_value_names_the_file_and_the_key(
    tmp_path: Path, extra: str, key: str, words: str
) -> None:
    path = write(tmp_path, BASE + extra)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert message.startswith(f"{path}: {key}:"), message
    assert words in message


def test_missing_section_and_bad_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"kiosk\.toml: catalog: Field required"):
        load_config(write(tmp_path, BASE.split("[catalog]")[0]))
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[kiosk\nid=1"))
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")


def test_main_reports_a_bad_config_and_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path, BASE + "[idle]\nwarning_s = 5\n")
    result = subprocess.run(
        [sys.executable, "main.py", "--config", str(path)],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert "idle.warning_s" in result.stderr and "Traceback" not in result.stderr


def test_main_help_lists_the_sub_commands() -> None:
    result = subprocess.run(
        [sys.executable, "main.py", "--help"], cwd=REPO, capture_output=True, text=True,
        timeout=60,
    )
    assert result.returncode == 0
    for word in ("run", "sync", "queue", "--config", "--data-dir", "--platform-url", "--mock"):
        assert word in result.stdout


def test_a_serial_reader_config(tmp_path: Path) -> None:
    path = write(tmp_path, BASE + '[devices.idcard]\nkind = "serial"\nusb = "1a86:7523:AB12"\n')
    section = load_config(path).devices.idcard
    assert (section.kind, section.usb, section.baudrate) == ("serial", "1a86:7523:AB12", 115200)
