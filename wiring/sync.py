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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import httpx

from contracts.clock import Clock
from offline_cache.backoff import Backoff
from offline_cache.kiosk_store import KioskStore, open_kiosk_store
from offline_cache.platform_client import PlatformClient
from offline_cache.platform_http import RequestLimits, platform_http_client
from offline_cache.sync import SyncEngine, SyncReport, SyncSettings
from offline_cache.sync_loop import LoopTiming, SyncLoop
from wiring.config import EMBEDDED, KioskConfig

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
    staff screen shows)."""
    token = os.environ.get("KIOSK_PLATFORM_TOKEN", "").strip()
    if token:
        return token
    try:
        return config.credential_file.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""


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
    client = platform_http_client(url, RequestLimits(deadline_s=config.platform.timeout_s),
                                  headers=headers)
    settings = SyncSettings(batch_size=config.platform.batch_size,
                            retention=timedelta(days=config.outbox.retention_days),
                            reference_interval_s=config.platform.reference_interval_s)
    engine = SyncEngine(store.outbox, client, clock, settings, store.references)
    return PlatformConnection(url, client, engine, PlatformClient(client), embedded)


def sync_loop_factory(config: KioskConfig, connection: PlatformConnection
                      ) -> Callable[[Callable[[SyncReport], None]], SyncLoop]:
    """Builds the background loop (backoff, connectivity monitor) around a report callback."""
    p = config.platform

    def build(on_report: Callable[[SyncReport], None]) -> SyncLoop:
        return SyncLoop(connection.sync,
                        Backoff(p.backoff_base_s, p.backoff_cap_s, random.Random()),
                        LoopTiming(p.sync_interval_s, p.probe_interval_s), on_report)

    return build
