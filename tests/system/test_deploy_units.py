"""deploy/: the systemd units, env files, kiosk config and udev rules a kiosk PC is
installed with (docs/deploy.md).

Each unit's command line is the one the code accepts (the kiosk's own argparse tree,
``python -m server --help`` for the platform), every ``${VAR}`` it uses is set by its env
file, the hardening is there, ``systemd-analyze verify`` accepts the units (on a copy
whose paths point at this checkout), every udev rule parses, and the kiosk config
validates and names the devices by the rules' names.
"""

from __future__ import annotations

import argparse
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from wiring.cli import build_parser
from wiring.config import load_config

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
RULES = DEPLOY / "udev" / "70-gov-kiosk.rules"
RELEASE = "/opt/gov-kiosk/current"
APP_UNITS = ["gov-kiosk-web.service", "gov-kiosk-terminal.service", "gov-kiosk-sync.service",
             "gov-platform.service"]


def read_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A unit file as systemd reads it: sections of keys, each key's values in order
    (ExecStartPre=, Environment= may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        assert not line.endswith("\\"), f"{path.name}:{number}: no continued lines here"
        if line.startswith("["):
            assert line.endswith("]"), f"{path.name}:{number}: {line!r}"
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"{path.name}:{number}: a key before any section"
        key, sep, value = line.partition("=")
        assert sep and re.fullmatch(r"[A-Za-z]+", key), f"{path.name}:{number}: {line!r}"
        current.setdefault(key, []).append(value)
    return sections


def read_env(path: Path) -> dict[str, str]:
    values = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            key, sep, value = line.partition("=")
            assert sep and re.fullmatch(r"[A-Z_][A-Z0-9_]*", key), f"{path.name}: {line!r}"
            values[key] = value
    return values


def env_of(unit: dict[str, dict[str, list[str]]]) -> dict[str, str]:
    """What the unit's EnvironmentFile= sets: the template in deploy/config."""
    env: dict[str, str] = {}
    for name in unit["Service"].get("EnvironmentFile", []):
        template = DEPLOY / "config" / Path(name.lstrip("-")).name
        assert template.is_file(), f"{name}: no template {template}"
        env.update(read_env(template))
    return env


def expand(command: str, env: dict[str, str]) -> list[str]:
    """systemd's expansion: ``${VAR}`` is one word, ``$VAR`` splits on white space."""
    words: list[str] = []
    for word in shlex.split(command):
        whole = re.fullmatch(r"\$([A-Z_][A-Z0-9_]*)", word)
        if whole:
            assert whole[1] in env, f"${whole[1]} is set by no env file"
            words.extend(env[whole[1]].split())
            continue
        for name in re.findall(r"\$\{([A-Z_][A-Z0-9_]*)\}", word):
            assert name in env, f"${{{name}}} is set by no env file"
        words.append(re.sub(r"\$\{([A-Z_][A-Z0-9_]*)\}", lambda m: env[m[1]], word))
    return words


def unit(name: str) -> dict[str, dict[str, list[str]]]:
    return read_unit(DEPLOY / "systemd" / name)


def test_the_units_are_there() -> None:
    assert {path.name for path in UNITS} == {
        "gov-kiosk-web.service", "gov-kiosk-screen.service", "gov-kiosk-terminal.service",
        "gov-kiosk-sync.service", "gov-platform.service"}


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_each_unit_is_hardened(path: Path) -> None:
    service = read_unit(path)["Service"]
    for key, value in [("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"),
                       ("PrivateTmp", "yes"), ("ProtectHome", "yes"), ("UMask", "0077")]:
        assert service.get(key) == [value], f"{path.name}: {key}={value}"
    assert service["User"][0].startswith("gov-"), "a dedicated user, never root"
    assert service["StateDirectory"], "its data folder under /var/lib, made by systemd"
    assert service["Restart"][0] in ("on-failure", "always")
    # The app does not ping systemd, so a watchdog would only kill a healthy kiosk.
    assert "WatchdogSec" not in service
    assert "Type" in service and service["Type"] == ["exec"]


def test_no_code_pings_a_watchdog() -> None:
    """If the kiosk ever calls sd_notify, WatchdogSec= may come back to the units."""
    found = subprocess.run(["grep", "-rlE", "sd_notify|NOTIFY_SOCKET|WATCHDOG_USEC",
                            "--include=*.py", "wiring", "screens", "kiosk", "server",
                            "offline_cache", "devices", "main.py"], cwd=ROOT,
                           capture_output=True, text=True, check=False)
    assert found.stdout == ""


def kiosk_argv(name: str, key: str = "ExecStart") -> list[str]:
    service = unit(name)
    words = expand(service["Service"][key][0], env_of(service))
    assert service["Service"]["WorkingDirectory"] == [RELEASE]
    at = words.index("main.py")
    assert words[at - 1] == f"{RELEASE}/.venv/bin/python"
    return words[at + 1:]


@pytest.mark.parametrize(("name", "command"), [("gov-kiosk-web.service", "web"),
                                               ("gov-kiosk-terminal.service", "run"),
                                               ("gov-kiosk-sync.service", "sync")])
def test_the_kiosk_units_run_real_commands(name: str, command: str) -> None:
    argv = kiosk_argv(name)
    parser = build_parser()
    commands = next(action.choices for action in parser._actions
                    if isinstance(action, argparse._SubParsersAction))
    if command not in commands:
        pytest.skip(f"`main.py {command}` is not on this branch yet")
    args = parser.parse_args(argv)  # argparse exits (SystemExit) on a flag it does not know
    assert args.func is commands[command].get_default("func")
    assert argv[argv.index("--config") + 1] == "/etc/gov-kiosk/kiosk.toml"
    assert args.config == Path("/etc/gov-kiosk/kiosk.toml")
    if command == "sync":
        assert not args.once, "the unit is the long-running loop"
    if command == "web":
        assert argv[argv.index("--host") + 1] == "127.0.0.1", "the local browser only"


def test_the_platform_unit_runs_real_flags() -> None:
    service = unit("gov-platform.service")
    words = expand(service["Service"]["ExecStart"][0], env_of(service))
    assert words[:3] == [f"{RELEASE}/.venv/bin/python", "-m", "server"]
    helped = subprocess.run([sys.executable, "-m", "server", "--help"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout
    known = set(re.findall(r"(--[a-z][a-z-]+)", helped))
    flags = [word for word in words[3:] if word.startswith("--")]
    assert flags and set(flags) <= known, set(flags) - known
    assert "--ssl-certfile" in flags and "--ssl-keyfile" in flags, "kiosks need HTTPS"


def test_the_screen_shows_the_web_kiosk_in_kiosk_mode() -> None:
    service = unit("gov-kiosk-screen.service")
    env = env_of(service)
    words = expand(service["Service"]["ExecStart"][0], env)
    assert words[:2] == ["/usr/bin/cage", "-d"]
    browser = words[words.index("--") + 1:]
    assert browser[0] == "/usr/bin/chromium"
    for flag in ["--kiosk", "--no-first-run", "--disable-background-networking",
                 "--touch-events=enabled", "--disable-component-update"]:
        assert flag in browser
    web = read_env(DEPLOY / "config" / "kiosk.env")
    assert f"--app=http://{web['KIOSK_WEB_HOST']}:{web['KIOSK_WEB_PORT']}/" in " ".join(browser)
    assert service["Service"]["Restart"] == ["always"]
    assert "gov-kiosk-web.service" in service["Unit"]["PartOf"][0]
    waits = expand(service["Service"]["ExecStartPre"][0], env)
    assert (ROOT / Path(waits[1]).relative_to(RELEASE)).is_file()


def test_one_process_per_outbox() -> None:
    """The kiosk and the stand-alone sync take the same outbox lock: never both."""
    for name, others in [("gov-kiosk-web.service", {"gov-kiosk-terminal.service",
                                                    "gov-kiosk-sync.service"}),
                         ("gov-kiosk-terminal.service", {"gov-kiosk-web.service",
                                                         "gov-kiosk-sync.service"}),
                         ("gov-kiosk-sync.service", {"gov-kiosk-web.service",
                                                     "gov-kiosk-terminal.service"})]:
        conflicts = set(" ".join(unit(name)["Unit"]["Conflicts"]).split())
        assert others <= conflicts, name
    assert "Install" not in unit("gov-kiosk-sync.service"), "never started at boot"


def test_the_kiosk_units_get_the_devices_group() -> None:
    for name in ["gov-kiosk-web.service", "gov-kiosk-terminal.service"]:
        assert "gov-kiosk-dev" in unit(name)["Service"]["SupplementaryGroups"][0].split()
    for name in ["gov-kiosk-sync.service", "gov-platform.service"]:
        assert unit(name)["Service"]["PrivateDevices"] == ["yes"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_analyze_verifies_the_units(tmp_path: Path) -> None:
    """On a copy pointing at this checkout's python (verify needs ExecStart's program to
    exist); a program this machine lacks (cage on a CI box) becomes /bin/true there."""
    python = Path(sys.executable)
    for path in UNITS:
        text = path.read_text(encoding="utf-8")
        text = text.replace(f"{RELEASE}/.venv/bin/python", str(python))
        text = text.replace(RELEASE, str(ROOT))
        for program in ["/usr/bin/cage", "/usr/bin/python3"]:
            if not Path(program).exists():
                text = text.replace(program, "/bin/true")
        (tmp_path / path.name).write_text(text, encoding="utf-8")
    done = subprocess.run(["systemd-analyze", "verify", "--man=no",
                           *sorted(p.name for p in tmp_path.iterdir())],
                          cwd=tmp_path, capture_output=True, text=True, check=False)
    assert (done.returncode, done.stderr) == (0, "")


# -- udev --------------------------------------------------------------------------------
MATCH_KEYS = {"ACTION", "DEVPATH", "KERNEL", "KERNELS", "NAME", "SYMLINK", "SUBSYSTEM",
              "SUBSYSTEMS", "DRIVER", "DRIVERS", "ATTR", "ATTRS", "ENV", "TAG", "TAGS",
              "TEST", "PROGRAM", "RESULT", "CONST", "SYSCTL"}
ASSIGN_KEYS = {"NAME", "SYMLINK", "OWNER", "GROUP", "MODE", "TAG", "ENV", "ATTR", "RUN",
               "LABEL", "GOTO", "IMPORT", "OPTIONS", "SECLABEL", "SYSCTL"}
TOKEN = re.compile(r'\s*([A-Z]+)(?:\{([^}]+)\})?\s*(==|!=|\+=|-=|:=|=)\s*"([^"]*)"\s*(?:,|$)')


def parse_rule(line: str) -> list[tuple[str, str | None, str, str]]:
    tokens = []
    at = 0
    while at < len(line):
        found = TOKEN.match(line, at)
        assert found, f"cannot parse from {line[at:]!r}"
        key, attr, op, value = found.groups()
        if op in ("==", "!="):
            assert key in MATCH_KEYS, f"{key} cannot be matched"
        else:
            assert key in ASSIGN_KEYS, f"{key} cannot be assigned"
        if key in ("ATTR", "ATTRS", "ENV", "SYSCTL"):
            assert attr, f"{key} needs {{name}}"
        tokens.append((key, attr, op, value))
        at = found.end()
    return tokens


def rules() -> list[list[tuple[str, str | None, str, str]]]:
    lines = [line for line in RULES.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    return [parse_rule(line) for line in lines]


def test_every_udev_rule_parses() -> None:
    parsed = rules()
    assert len(parsed) == 5
    for tokens in parsed:
        ops = {op for _, _, op, _ in tokens}
        assert ops & {"==", "!="} and ops & {"=", "+=", ":="}, "a match and an assignment"
        assigned = {(key, value) for key, _, op, value in tokens if op == "="}
        assert ("GROUP", "gov-kiosk-dev") in assigned and ("MODE", "0660") in assigned
        for _, attr, _, value in tokens:
            if attr in ("idVendor", "idProduct"):
                assert re.fullmatch(r"[0-9a-f]{4}", value), value


def test_the_commented_out_rule_parses_too() -> None:
    text = RULES.read_text(encoding="utf-8")
    example = next(line for line in text.splitlines() if line.startswith("#SUBSYSTEM"))
    assert parse_rule(example[1:])


@pytest.mark.parametrize("line", [
    'SUBSYSTEM=="tty", ATTRS{idVendor}="1a86", SYMLINK+="kiosk-idcard"',  # = for ==
    'SUBSYSTEM=="tty", ATTRS{idVendor}=="1a86" SYMLINK+="kiosk-idcard"',  # no comma
    'SUBSYSTEM=="tty", ATTRS{idVendor}=="1a86", SYMLINK+=kiosk-idcard',   # no quotes
    'SUBSYSTEM=="tty", ATTRS=="1a86", SYMLINK+="kiosk-idcard"',           # no {name}
])
def test_the_rule_parser_catches_typos(line: str) -> None:
    """The mistakes udevadm reports ("Invalid operator for ATTRS."), caught here too."""
    with pytest.raises(AssertionError):
        parse_rule(line)


def symlinks() -> dict[str, tuple[str, str]]:
    """Each stable name: the VID:PID it is given to."""
    names = {}
    for tokens in rules():
        ids = {attr: value for _, attr, op, value in tokens if op == "=="}
        for key, _, op, value in tokens:
            if key == "SYMLINK":
                assert op == "+="
                names[f"/dev/{value}"] = (ids["idVendor"], ids["idProduct"])
    return names


def test_the_rules_name_each_device() -> None:
    assert set(symlinks()) == {"/dev/kiosk-idcard", "/dev/kiosk-cabinet", "/dev/kiosk-camera",
                               "/dev/usb/kiosk-printer"}


@pytest.mark.skipif(shutil.which("udevadm") is None, reason="no udevadm")
def test_udevadm_verify_when_it_has_it() -> None:
    """systemd 254 and later check a rules file by itself (Debian 12 has 252: skipped)."""
    if "verify" not in subprocess.run(["udevadm", "--help"], capture_output=True,
                                      text=True, check=False).stdout:
        pytest.skip("this udevadm has no verify (systemd < 254)")
    done = subprocess.run(["udevadm", "verify", str(RULES)], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr


# -- the kiosk's config ------------------------------------------------------------------
def test_the_deployed_config_validates_and_names_the_devices(tmp_path: Path) -> None:
    ca = tmp_path / "platform-ca.pem"
    ca.write_text("placeholder: load_config checks the file is there\n", encoding="utf-8")
    text = (DEPLOY / "config" / "kiosk.toml").read_text(encoding="utf-8")
    text = text.replace("/etc/gov-kiosk/platform-ca.pem", str(ca))
    text = text.replace(f"{RELEASE}/contracts", str(ROOT / "contracts"))
    copy = tmp_path / "kiosk.toml"
    copy.write_text(text, encoding="utf-8")
    config = load_config(copy)  # raises ConfigError naming the key on any mistake
    assert not config.kiosk.demo
    assert config.data_dir == Path("/var/lib/gov-kiosk")
    assert unit("gov-kiosk-web.service")["Service"]["StateDirectory"] == ["gov-kiosk"]
    names = symlinks()
    devices = config.devices
    assert devices.idcard.kind == "serial" and devices.idcard.port in names
    assert devices.cabinet.kind == "serial" and devices.cabinet.port in names
    assert devices.printer.kind == "usb"
    assert tuple(devices.printer.target.split(":")) == names["/dev/usb/kiosk-printer"]
    assert devices.qr.kind == "camera"
    # Its warnings would be written over the terminal kiosk's screen.
    assert read_env(DEPLOY / "config" / "kiosk.env")["OPENCV_LOG_LEVEL"] == "ERROR"


@pytest.mark.parametrize("script", ["install.sh", "activate.sh"])
def test_the_scripts_parse(script: str) -> None:
    path = DEPLOY / script
    assert path.read_text(encoding="utf-8").splitlines()[:2][0] == "#!/bin/sh"
    assert "set -eu" in path.read_text(encoding="utf-8")
    subprocess.run(["sh", "-n", str(path)], check=True)
    if shutil.which("shellcheck"):
        subprocess.run(["shellcheck", str(path)], check=True)
