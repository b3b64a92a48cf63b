"""Config: the demo file validates; a bad file says which file and which key; no silent
demo (issue 16, findings 4 and 9): the platform is named, the embedded one and the demo
staff PIN belong to a kiosk that says it is a demo."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from contracts.errors import ConfigError
from kiosk.staff import hash_pin, verify_pin
from tests.support import REPO_ROOT
from wiring.config import DEMO_CONFIG, DEMO_PIN, EMBEDDED, load_config

REPO = REPO_ROOT


def test_demo_config_loads_with_paths_anchored_to_the_file() -> None:
    config = load_config(DEMO_CONFIG)
    assert config.kiosk.language == "zh-CN"
    assert config.platform.url == EMBEDDED and config.kiosk.demo
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
PLATFORM = '[platform]\nurl = "https://platform.example"\n'


@pytest.mark.parametrize(
    ("extra", "key", "words"),
    [
        ("[idle]\nwarning_s = 10\n", "idle.warning_s", "greater than or equal to 30"),
        ("[idle]\ntimeout_s = 100\nwarning_s = 100\n", "idle", "warning_s must be less"),
        ("[platform]\nurl = \"ftp://x\"\n", "platform.url", "https://"),
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
    path = write(tmp_path, BASE + extra + ("" if "[platform]" in extra else PLATFORM))
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert message.startswith(f"{path}: {key}:"), message
    assert words in message


def test_missing_section_and_bad_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"kiosk\.toml: catalog: Field required"):
        load_config(write(tmp_path, BASE.split("[catalog]")[0] + PLATFORM))
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[kiosk\nid=1"))
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")


def test_main_reports_a_bad_config_and_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path, BASE + PLATFORM + "[idle]\nwarning_s = 5\n")
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
    path = write(tmp_path, BASE + PLATFORM
                 + '[devices.idcard]\nkind = "serial"\nusb = "1a86:7523:AB12"\n')
    section = load_config(path).devices.idcard
    assert (section.kind, section.usb, section.baudrate) == ("serial", "1a86:7523:AB12", 115200)


def test_a_config_without_a_platform_url_refuses_to_start_naming_the_key(
        tmp_path: Path) -> None:
    for text in (BASE, BASE + "[platform]\ntimeout_s = 5\n"):
        path = write(tmp_path, text)
        with pytest.raises(ConfigError) as err:
            load_config(path)
        assert str(err.value).startswith(f"{path}: platform.url: required")
    result = subprocess.run([sys.executable, "main.py", "--config", str(path), "queue"],
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "platform.url: required" in result.stderr
    assert "Traceback" not in result.stderr
    # The command line may name it instead.
    assert load_config(path, platform_url="https://p.example").platform.url == "https://p.example"


def test_the_embedded_platform_needs_a_kiosk_that_says_it_is_a_demo(tmp_path: Path) -> None:
    path = write(tmp_path, BASE + '[platform]\nurl = "embedded"\n')
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value).startswith(f"{path}: platform.url: 'embedded' is the demo platform")
    assert "demo = true" in str(err.value)
    with pytest.raises(ConfigError, match="platform.url: 'embedded'"):
        load_config(write(tmp_path, BASE + PLATFORM), platform_url=EMBEDDED)
    demo = BASE.replace('branch_en = "Branch"', 'branch_en = "Branch"\ndemo = true')
    assert load_config(write(tmp_path, demo + '[platform]\nurl = "embedded"\n')).kiosk.demo


def test_a_demo_kiosk_stays_on_this_machine(tmp_path: Path) -> None:
    # The demo file copied and pointed at a real platform keeps demo = true: refused, so
    # the demo PIN cannot come along unnoticed.
    with pytest.raises(ConfigError) as err:
        load_config(DEMO_CONFIG, data_dir=tmp_path, platform_url="https://platform.example")
    assert str(err.value).startswith(f"{DEMO_CONFIG}: kiosk.demo: ")
    assert "python main.py staff-pin" in str(err.value)
    assert load_config(DEMO_CONFIG, platform_url="http://127.0.0.1:9").kiosk.demo


@pytest.mark.parametrize("salt", ["demo0kiosk0salt", None])
def test_a_deployed_kiosk_refuses_the_demo_staff_pin(tmp_path: Path, salt: str | None) -> None:
    # The demo file's own hash, and the demo PIN hashed anew: both refused.
    path = write(tmp_path, BASE + PLATFORM
                 + f'[staff]\npin_hash = "{hash_pin(DEMO_PIN, salt=salt)}"\n')
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == (f"{path}: staff.pin_hash: this is the demo staff PIN, published"
                              " with the demo; make your own with: python main.py staff-pin")
    own = write(tmp_path, BASE + PLATFORM + f'[staff]\npin_hash = "{hash_pin("135790")}"\n')
    assert load_config(own).staff.pin_hash


def test_the_demo_file_pin_is_the_demo_pin() -> None:
    assert verify_pin(DEMO_PIN, load_config(DEMO_CONFIG).staff.pin_hash)
