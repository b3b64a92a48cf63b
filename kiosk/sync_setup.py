"""The kiosk's store and its link to the platform, wired from the config.

Everything the sync needs and nothing else: the staff commands ``sync`` and
``simulate`` start in a fraction of a second because no device code loads.
"""

from __future__ import annotations

import os
import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import httpx

from kiosk.clock import Clock
from kiosk.config import EMBEDDED, KioskConfig
from kiosk.security import load_cipher
from offline_cache.backoff import Backoff
from offline_cache.instance_lock import InstanceLock
from offline_cache.outbox import Outbox
from offline_cache.reference_cache import ReferenceCache
from offline_cache.slip_journal import SlipJournal
from offline_cache.store import open_store
from offline_cache.sync import SyncEngine, SyncReport, SyncSettings
from offline_cache.sync_loop import LoopTiming, SyncLoop

if TYPE_CHECKING:
    from server.embedded import EmbeddedPlatform


@dataclass
class KioskStore:
    """The kiosk's durable side, held under the one-process-per-outbox lock."""

    lock: InstanceLock
    outbox: Outbox
    journal: SlipJournal
    references: ReferenceCache
    connections: list[sqlite3.Connection]

    def close(self) -> None:
        for db in self.connections:
            db.close()
        self.lock.release()  # last: another process may open the store from here on


def open_kiosk_store(config: KioskConfig, clock: Clock, holder: str) -> KioskStore:
    """Take the lock (``OutboxBusy`` if another process has it), open and recover the store."""
    data_dir = config.data_dir
    lock = InstanceLock(data_dir / "kiosk.lock").acquire(holder)
    connections: list[sqlite3.Connection] = []

    def connect() -> sqlite3.Connection:  # each part its own connection
        connections.append(open_store(data_dir / "kiosk.db"))
        return connections[-1]

    try:
        outbox = Outbox(connect(), load_cipher(config.key_file), clock, config.kiosk.id)
        outbox.recover()  # rows left "sending" by a process that died mid-flight
        journal = SlipJournal(connect(), clock)
        references = ReferenceCache(connect(), clock)
    except BaseException:
        for db in connections:
            db.close()
        lock.release()
        raise
    return KioskStore(lock, outbox, journal, references, connections)


@dataclass
class PlatformLink:
    url: str
    client: httpx.Client
    sync: SyncEngine
    platform: EmbeddedPlatform | None = None  # demo mode: the platform runs in this process

    def close(self) -> None:
        self.client.close()
        if self.platform is not None:
            self.platform.stop()


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


def connect_platform(config: KioskConfig, clock: Clock, store: KioskStore) -> PlatformLink:
    platform = None
    url = config.platform.url
    if url == EMBEDDED:
        from server.embedded import EmbeddedPlatform  # demo mode only: uvicorn loads here

        data_dir = config.data_dir
        platform = EmbeddedPlatform(f"sqlite:///{data_dir / 'platform.db'}",
                                    data_dir / "platform-signing.key")
        url = platform.start()
        token = platform.enrol("kiosk", config.kiosk.id)
    else:
        token = platform_token(config)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    client = httpx.Client(base_url=url, timeout=config.platform.timeout_s, headers=headers)
    settings = SyncSettings(batch_size=config.platform.batch_size,
                            retention=timedelta(days=config.outbox.retention_days),
                            reference_interval_s=config.platform.reference_interval_s)
    engine = SyncEngine(store.outbox, client, clock, settings, store.references)
    return PlatformLink(url, client, engine, platform)


def sync_loop(config: KioskConfig, link: PlatformLink,
              on_report: Callable[[SyncReport], None]) -> SyncLoop:
    p = config.platform
    return SyncLoop(link.sync, Backoff(p.backoff_base_s, p.backoff_cap_s, random.Random()),
                    LoopTiming(p.sync_interval_s, p.probe_interval_s), on_report)
