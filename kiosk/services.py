"""Everything the kiosk runs on, built from the config and handed to the app.

The one place that wires config to devices, store, sync and platform; tests
build it with a temporary data folder and a fake clock.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from devices.hub import DeviceHub
from kiosk.catalog import Catalog, load_catalog
from kiosk.clock import Clock, SystemClock
from kiosk.config import EMBEDDED, KioskConfig
from kiosk.hub_setup import build_hub
from kiosk.security import load_cipher
from offline_cache.outbox import Outbox, QueueSummary
from offline_cache.slip_journal import SlipJournal
from offline_cache.store import open_store
from offline_cache.sync import SyncEngine
from server.embedded import EmbeddedPlatform


@dataclass
class LinkState:
    """What the kiosk last learned about its link to the platform."""

    online: bool | None = None  # None: not tried yet
    # Refreshed off the UI thread after every sync pass and every enqueue.
    queue: QueueSummary | None = None


@dataclass
class Services:
    config: KioskConfig
    clock: Clock
    catalog: Catalog
    hub: DeviceHub
    outbox: Outbox
    journal: SlipJournal
    sync: SyncEngine
    platform_url: str
    platform: EmbeddedPlatform | None = None
    # Public keys pickup codes are checked against, by key id (offline: no request).
    pickup_keys: dict[str, Ed25519PublicKey] = field(default_factory=dict)
    link: LinkState = field(default_factory=LinkState)
    _client: httpx.Client | None = None

    def close(self) -> None:
        self.hub.close()
        if self._client is not None:
            self._client.close()
        if self.platform is not None:
            self.platform.stop()


def build_services(config: KioskConfig, clock: Clock | None = None) -> Services:
    clock = clock or SystemClock()
    data_dir = config.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    catalog = load_catalog(config.catalog.path)
    hub = build_hub(config)
    try:
        outbox = Outbox(open_store(data_dir / "kiosk.db"), load_cipher(config.key_file), clock,
                        config.kiosk.id)
        journal = SlipJournal(open_store(data_dir / "kiosk.db"), clock)  # its own connection
    except BaseException:
        hub.close()  # the mock devices' threads and ptys must not outlive a failed start
        raise
    platform = None
    url = config.platform.url
    if url == EMBEDDED:
        platform = EmbeddedPlatform(f"sqlite:///{data_dir / 'platform.db'}",
                                    data_dir / "platform-signing.key")
        url = platform.start()
    client = httpx.Client(base_url=url, timeout=config.platform.timeout_s)
    keys = {kid: Ed25519PublicKey.from_public_bytes(base64.b64decode(value))
            for kid, value in config.platform.pickup_keys.items()}
    if platform is not None:
        keys[platform.signer.kid] = platform.signer.public_key
    return Services(
        config=config,
        clock=clock,
        catalog=catalog,
        hub=hub,
        outbox=outbox,
        journal=journal,
        sync=SyncEngine(outbox, client, config.platform.batch_size),
        platform_url=url,
        platform=platform,
        pickup_keys=keys,
        _client=client,
    )
