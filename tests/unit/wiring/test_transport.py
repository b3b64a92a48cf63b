"""Issue 16, finding 3: the kiosk speaks to its platform only over verified TLS.

A throwaway CA and server certificate (tests/support/tls.py) put the real platform
behind HTTPS on loopback; the kiosk's sync drains its outbox through it. A certificate
from another CA, or a key that is not the pinned one, is refused in the handshake:
nothing reaches the platform, the outbox keeps its items, the log says which key to
look at. Plain http:// to anything but this machine is refused at start-up.
"""

from __future__ import annotations

import logging
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from contracts.clock import SystemClock
from contracts.errors import ConfigError
from kiosk.synthetic import synthetic_application
from server.db import transactions
from server.embedded import EmbeddedPlatform
from tests.support import REPO_ROOT
from tests.support.loopback import free_port
from tests.support.platform_access import enrol_kiosk
from tests.support.tls import ServerFiles, make_ca_and_server
from tests.support.waiting import wait_for
from wiring.config import KioskConfig, load_config
from wiring.sync import connect_platform, store_from_config
from wiring.tls import platform_tls, spki_sha256

CATALOG = Path(__file__).resolve().parents[3] / "contracts" / "data" / "catalog.toml"


def kiosk_toml(folder: Path, platform: str) -> Path:
    """A deployed (non-demo) kiosk's config with ``platform`` as its [platform] body."""
    path = folder / "kiosk.toml"
    path.write_text(f"""
[kiosk]
id = "TLS-0001"
branch_zh = "测试"
branch_en = "Test"
data_dir = "{folder / 'data'}"
[catalog]
path = "{CATALOG}"
[platform]
{platform}
""", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> ServerFiles:
    return make_ca_and_server(tmp_path_factory.mktemp("tls"), "platform")


@pytest.fixture
def https_platform(tmp_path: Path, tls_files: ServerFiles) -> Iterator[EmbeddedPlatform]:
    platform = EmbeddedPlatform(f"sqlite:///{tmp_path / 'platform.db'}",
                                tmp_path / "signing.key", demo_rounds=False,
                                ssl_certfile=tls_files.cert_file,
                                ssl_keyfile=tls_files.key_file)
    platform.start()
    yield platform
    platform.stop()


def stored(platform: EmbeddedPlatform) -> int:
    with platform.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(transactions)).scalar_one())


def sync_three(config: KioskConfig) -> tuple[bool, int]:
    """Queue three applications, one sync pass: (online, items still pending)."""
    clock = SystemClock()
    store = store_from_config(config, clock, "test")
    try:
        rng = random.Random(3)
        for _ in range(3):
            store.outbox.enqueue("application", *synthetic_application(rng))
        connection = connect_platform(config, clock, store)
        try:
            report = connection.sync.sync_once()
        finally:
            connection.close()
        return report.online, store.outbox.summary().pending
    finally:
        store.close()


def test_the_sync_drains_over_https_to_the_real_platform(
        tmp_path: Path, tls_files: ServerFiles, https_platform: EmbeddedPlatform) -> None:
    assert https_platform.url.startswith("https://127.0.0.1:")
    config = load_config(kiosk_toml(tmp_path, f'url = "{https_platform.url}"\n'
                                              f'ca_file = "{tls_files.ca_file}"'))
    enrol_kiosk(https_platform, config)
    assert sync_three(config) == (True, 0)
    assert stored(https_platform) == 3


def test_the_pinned_key_is_accepted(
        tmp_path: Path, tls_files: ServerFiles, https_platform: EmbeddedPlatform) -> None:
    pin = spki_sha256(tls_files.cert_der)
    config = load_config(kiosk_toml(tmp_path, f'url = "{https_platform.url}"\n'
                                              f'ca_file = "{tls_files.ca_file}"\n'
                                              f'pin_sha256 = ["{pin}"]'))
    enrol_kiosk(https_platform, config)
    assert sync_three(config) == (True, 0)
    assert stored(https_platform) == 3


def test_a_certificate_from_another_ca_is_refused_and_nothing_is_sent(
        tmp_path: Path, https_platform: EmbeddedPlatform,
        caplog: pytest.LogCaptureFixture) -> None:
    stranger = make_ca_and_server(tmp_path / "other", "stranger")
    config = load_config(kiosk_toml(tmp_path, f'url = "{https_platform.url}"\n'
                                              f'ca_file = "{stranger.ca_file}"'))
    enrol_kiosk(https_platform, config)
    with caplog.at_level(logging.ERROR, logger="wiring"):
        assert sync_three(config) == (False, 3)  # still queued, sealed, nothing purged
    assert stored(https_platform) == 0
    refused = [r.getMessage() for r in caplog.records if "certificate refused" in r.getMessage()]
    assert refused, caplog.text
    assert "unable to get local issuer certificate" in refused[0]
    assert str(stranger.ca_file) in refused[0]  # which file it was checked against


def test_a_key_that_is_not_the_pinned_one_is_refused_before_any_request(
        tmp_path: Path, tls_files: ServerFiles, https_platform: EmbeddedPlatform,
        caplog: pytest.LogCaptureFixture) -> None:
    # The chain is valid (the right CA): only the pin can tell it is not the platform.
    other_key = spki_sha256(make_ca_and_server(tmp_path / "other", "other").cert_der)
    config = load_config(kiosk_toml(tmp_path, f'url = "{https_platform.url}"\n'
                                              f'ca_file = "{tls_files.ca_file}"\n'
                                              f'pin_sha256 = ["{other_key}"]'))
    enrol_kiosk(https_platform, config)
    with caplog.at_level(logging.ERROR, logger="wiring"):
        assert sync_three(config) == (False, 3)
    assert stored(https_platform) == 0
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "platform.pin_sha256" in messages
    assert spki_sha256(tls_files.cert_der) in messages  # the key it found, to compare


def test_a_certificate_for_another_host_is_refused(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # The right CA, but the certificate names another host: it is not this platform's.
    files = make_ca_and_server(tmp_path / "tls", "elsewhere", hosts=("platform.example",))
    platform = EmbeddedPlatform(f"sqlite:///{tmp_path / 'platform.db'}",
                                tmp_path / "signing.key", demo_rounds=False,
                                ssl_certfile=files.cert_file, ssl_keyfile=files.key_file)
    platform.start()
    try:
        config = load_config(kiosk_toml(tmp_path, f'url = "{platform.url}"\n'
                                                  f'ca_file = "{files.ca_file}"'))
        enrol_kiosk(platform, config)
        with caplog.at_level(logging.ERROR, logger="wiring"):
            assert sync_three(config) == (False, 3)
        assert stored(platform) == 0
        assert "IP address mismatch" in caplog.text
    finally:
        platform.stop()


def test_without_a_ca_file_the_system_cas_do_not_trust_a_private_ca(
        tmp_path: Path, https_platform: EmbeddedPlatform) -> None:
    config = load_config(kiosk_toml(tmp_path, f'url = "{https_platform.url}"'))
    enrol_kiosk(https_platform, config)
    assert sync_three(config) == (False, 3)
    assert stored(https_platform) == 0


@pytest.mark.parametrize("url", ["http://192.0.2.10:8700", "http://platform.example",
                                 "http://10.0.0.1"])
def test_plain_http_off_this_machine_is_refused_naming_the_key(tmp_path: Path,
                                                               url: str) -> None:
    path = kiosk_toml(tmp_path, f'url = "{url}"')
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value).startswith(f"{path}: platform.url: ")
    assert "https://" in str(err.value) and "in clear" in str(err.value)
    with pytest.raises(ConfigError, match="platform.url"):
        load_config(kiosk_toml(tmp_path, 'url = "https://p.example"'), platform_url=url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8700", "http://localhost:8700",
                                 "http://[::1]:8700", "http://127.8.0.1"])
def test_plain_http_to_this_machine_is_allowed(tmp_path: Path, url: str) -> None:
    assert load_config(kiosk_toml(tmp_path, f'url = "{url}"')).platform.url == url


def test_tls_keys_are_checked(tmp_path: Path, tls_files: ServerFiles) -> None:
    with pytest.raises(ConfigError, match=r"platform\.pin_sha256: .*base64 of a SHA-256"):
        load_config(kiosk_toml(tmp_path, 'url = "https://p.example"\npin_sha256 = ["abc"]'))
    with pytest.raises(ConfigError, match=r"platform\.ca_file: file not found"):
        load_config(kiosk_toml(tmp_path, 'url = "https://p.example"\nca_file = "no.pem"'))
    with pytest.raises(ConfigError, match=r"platform: .*need an https:// url"):
        load_config(kiosk_toml(tmp_path, f'url = "http://127.0.0.1:1"\n'
                                         f'ca_file = "{tls_files.ca_file}"'))
    (tmp_path / "ca.pem").write_bytes(tls_files.ca_file.read_bytes())
    relative = load_config(kiosk_toml(tmp_path, 'url = "https://p.example"\nca_file = "ca.pem"'))
    assert relative.platform.ca_file == tmp_path / "ca.pem"  # anchored to the config's folder


def test_an_operator_serves_https_and_a_kiosk_enrolled_with_its_ca_syncs(
        tmp_path: Path, tls_files: ServerFiles) -> None:
    """docs/deploy.md's steps as commands: the platform with its certificate, the kiosk's
    credential from ``enrol --out``, the kiosk's config naming the CA, ``sync --once``."""
    db, port = f"sqlite:///{tmp_path / 'platform.db'}", free_port()
    url = f"https://127.0.0.1:{port}"
    config = kiosk_toml(tmp_path, f'url = "{url}"\nca_file = "{tls_files.ca_file}"')
    (tmp_path / "data").mkdir()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, *args], cwd=REPO_ROOT, capture_output=True,
                              text=True, timeout=120)

    enrolled = run("-m", "server", "enrol", "--db", db, "kiosk", "TLS-0001",
                   "--out", str(tmp_path / "data" / "platform.token"))
    assert enrolled.returncode == 0, enrolled.stderr
    server = subprocess.Popen(
        [sys.executable, "-m", "server", "--db", db, "--port", str(port),
         "--signing-key", str(tmp_path / "signing.key"),
         "--ssl-certfile", str(tls_files.cert_file), "--ssl-keyfile", str(tls_files.key_file)],
        cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with httpx.Client(verify=platform_tls(tls_files.ca_file)) as client:
            def answers() -> bool:
                try:
                    return client.get(f"{url}/api/v1/health").status_code == 401
                except httpx.TransportError:
                    return False

            wait_for(answers, timeout=60)
        made = run("main.py", "--config", str(config), "simulate", "--transactions", "4")
        assert made.returncode == 0, made.stderr
        synced = run("main.py", "--config", str(config), "sync", "--once")
        assert synced.returncode == 0, synced.stdout + synced.stderr
        assert "accepted 4, quarantined 0, 0 still to upload; platform online" in synced.stdout
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_platform_command_wants_both_tls_files() -> None:
    half = subprocess.run([sys.executable, "-m", "server", "--ssl-certfile", "cert.pem"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert half.returncode == 2 and "--ssl-certfile and --ssl-keyfile go together" in half.stderr
