"""The kiosk's store and its connection to the platform, built from the config.

Everything the sync needs and nothing else: the staff commands ``sync`` and
``simulate`` start in a fraction of a second because no device code loads, and
a kiosk with a remote platform URL never imports FastAPI or uvicorn: the
embedded demo platform is imported only when the config names it.
"""

from __future__ import annotations

import logging
import os
import random
import ssl
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from importlib import metadata
from typing import TYPE_CHECKING

import httpx

from contracts.clock import Clock
from contracts.errors import ConfigError
from offline_cache.backoff import Backoff
from offline_cache.kiosk_state import KioskStateStore
from offline_cache.kiosk_store import STORE_FILE, KioskStore, open_kiosk_store
from offline_cache.platform_client import PlatformClient
from offline_cache.platform_http import RequestLimits, platform_http_client
from offline_cache.store import open_store
from offline_cache.sync import FleetReporting, SyncEngine, SyncReport, SyncSettings
from offline_cache.sync_loop import LoopTiming, SyncLoop
from wiring.config import EMBEDDED, KioskConfig
from wiring.tls import platform_tls

if TYPE_CHECKING:
    from server.embedded import EmbeddedPlatform

log = logging.getLogger(__package__)


def store_from_config(config: KioskConfig, clock: Clock, holder: str) -> KioskStore:
    """The kiosk's store in its data folder, under the one-process lock."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    return open_kiosk_store(config.data_dir, config.key_file, config.kiosk.id, clock, holder)


@dataclass
class PlatformConnection:
    url: str
    client: httpx.Client
    sync: SyncEngine
    platform: PlatformClient
    embedded: EmbeddedPlatform | None = None  # demo mode: the platform runs in this process

    def close(self) -> None:
        self.client.close()
        if self.embedded is not None:
            self.embedded.stop()


def platform_token(config: KioskConfig) -> str:
    """The kiosk's credential: KIOSK_PLATFORM_TOKEN, else the credential file; empty
    when neither exists (every sync then fails with the platform's 401, which the
    staff screen shows). A file others may read or write is refused (``ConfigError``
    with the chmod to run): whoever reads it can speak to the platform as this kiosk."""
    token = os.environ.get("KIOSK_PLATFORM_TOKEN", "").strip()
    if token:
        return token
    path = config.credential_file
    try:
        with path.open(encoding="utf-8") as file:
            mode = stat.S_IMODE(os.fstat(file.fileno()).st_mode)
            if mode & 0o077:
                raise ConfigError(f"{path}: the platform credential is open to others (mode"
                                  f" {mode:04o}); run: chmod 600 {path}")
            return file.read().strip()
    except FileNotFoundError:
        return ""


def platform_verify(config: KioskConfig) -> ssl.SSLContext | bool:
    """How the platform's certificate is checked: the CA file and pins for https (the
    system's CAs without a CA file); nothing to check for loopback http:// (the config
    refuses http:// anywhere else)."""
    if not config.platform.url.startswith("https://"):
        return True
    return platform_tls(config.platform.ca_file, config.platform.pin_sha256)


def connect_platform(config: KioskConfig, clock: Clock, store: KioskStore) -> PlatformConnection:
    embedded = None
    url = config.platform.url
    if url == EMBEDDED:
        from server.embedded import EmbeddedPlatform  # demo mode only: uvicorn loads here

        data_dir = config.data_dir
        # The kiosk's clock: in a demo (and a test's fake time) both sides see one time,
        # so the demo rounds, codes and reports line up with what the kiosk shows.
        embedded = EmbeddedPlatform(f"sqlite:///{data_dir / 'platform.db'}",
                                    data_dir / "platform-signing.key", clock=clock)
        url = embedded.start()
        token = embedded.enrol("kiosk", config.kiosk.id)
        log.info("embedded demo platform started on %s", url)
    else:
        token = platform_token(config)
        if not token:
            log.warning("no platform credential: every sync will be refused (docs/deploy.md)")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    # timeout_s bounds each whole request (a platform that trickles its answer cannot
    # hold a pass past it) and answers are capped in size (offline_cache.platform_http).
    # The certificate check goes to the transport: httpx ignores a client's ``verify``
    # once it is given a transport of its own.
    client = platform_http_client(url, RequestLimits(deadline_s=config.platform.timeout_s),
                                  headers=headers, verify=platform_verify(config))
    settings = SyncSettings(batch_size=config.platform.batch_size,
                            retention=timedelta(days=config.outbox.retention_days),
                            reference_interval_s=config.platform.reference_interval_s)
    engine = SyncEngine(store.outbox, client, clock, settings, store.references,
                        fleet_reporting(config, store))
    return PlatformConnection(url, client, engine, PlatformClient(client), embedded)


def fleet_reporting(config: KioskConfig, store: KioskStore) -> FleetReporting:
    """What the sync reports to the fleet view besides the queue: the devices and outages
    the kiosk keeps in its store (read on a connection of the sync's own, closed with the
    store) and this software's version."""
    db = open_store(config.data_dir / STORE_FILE)
    store.connections.append(db)
    try:
        software = metadata.version("gov-kiosk")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        software = ""
    return FleetReporting(KioskStateStore(db), software)


def sync_loop_factory(config: KioskConfig, connection: PlatformConnection
                      ) -> Callable[[Callable[[SyncReport], None]], SyncLoop]:
    """Builds the background loop (backoff, connectivity monitor) around a report callback."""
    p = config.platform

    def build(on_report: Callable[[SyncReport], None]) -> SyncLoop:
        return SyncLoop(connection.sync,
                        Backoff(p.backoff_base_s, p.backoff_cap_s, random.Random()),
                        LoopTiming(p.sync_interval_s, p.probe_interval_s), on_report)

    return build
