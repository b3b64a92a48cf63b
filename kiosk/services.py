"""Everything the kiosk runs on, built from the config and handed to the app.

The one place that wires config to devices, store, sync and platform; tests
build it with a temporary data folder and a fake clock. The store and the
platform link come from ``kiosk.sync_setup``, which the staff commands that
need only those (``sync``, ``simulate``) use directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import BaseModel

from devices.hub import DeviceHub
from kiosk.catalog import Catalog, load_catalog
from kiosk.clock import Clock, SystemClock
from kiosk.config import KioskConfig
from kiosk.hub_setup import build_hub
from kiosk.pharmacies import Pharmacies
from kiosk.pickup_codes import public_keys_from_b64
from kiosk.reference_data import (
    CATALOG,
    PHARMACIES,
    PLATFORM_KEYS,
    PlatformKeys,
    ReferenceDataError,
    parse,
)
from kiosk.sync_setup import KioskStore, PlatformLink, connect_platform, open_kiosk_store
from offline_cache.outbox import Outbox, QueueSummary
from offline_cache.reference_cache import ReferenceCache
from offline_cache.slip_journal import SlipJournal
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
    store: KioskStore
    link_to_platform: PlatformLink
    # The platform's pharmacies and pickup windows, from the cache (None: never fetched).
    pharmacies: Pharmacies | None = None
    # Public keys pickup codes are checked against, by key id (offline: no request).
    pickup_keys: dict[str, Ed25519PublicKey] = field(default_factory=dict)
    link: LinkState = field(default_factory=LinkState)

    @property
    def outbox(self) -> Outbox:
        return self.store.outbox

    @property
    def journal(self) -> SlipJournal:
        return self.store.journal

    @property
    def sync(self) -> SyncEngine:
        return self.link_to_platform.sync

    @property
    def platform(self) -> EmbeddedPlatform | None:
        return self.link_to_platform.platform

    @property
    def platform_url(self) -> str:
        return self.link_to_platform.url

    def apply_reference(self) -> None:
        """Take up the cached reference data (at start-up, and after a refresh brought some)."""
        self.catalog = cached_catalog(self.store.references, self.catalog)
        self.pharmacies = cached_pharmacies(self.store.references)
        self.pickup_keys = pickup_keys(self.config, self.store.references, self.platform)

    def close(self) -> None:
        self.hub.close()
        self.link_to_platform.close()
        self.store.close()


def _cached(references: ReferenceCache, name: str) -> BaseModel | None:
    """A cached document as its model; None if there is none, or if this kiosk's
    (perhaps newer) models no longer accept it: it is fetched again when online."""
    doc = references.get(name)
    if doc is None:
        return None
    try:
        return parse(name, doc.body)
    except ReferenceDataError:
        return None


def cached_catalog(references: ReferenceCache, bundled: Catalog) -> Catalog:
    """The platform's catalog as last fetched; the bundled file until there is one."""
    parsed = _cached(references, CATALOG)
    return parsed if isinstance(parsed, Catalog) else bundled


def cached_pharmacies(references: ReferenceCache) -> Pharmacies | None:
    parsed = _cached(references, PHARMACIES)
    return parsed if isinstance(parsed, Pharmacies) else None


def pickup_keys(config: KioskConfig, references: ReferenceCache,
                platform: EmbeddedPlatform | None) -> dict[str, Ed25519PublicKey]:
    """Keys from the config, then the platform's published ones, then the embedded one."""
    keys = public_keys_from_b64(config.platform.pickup_keys)
    published = _cached(references, PLATFORM_KEYS)
    if isinstance(published, PlatformKeys):
        keys.update(published.public_keys())
    if platform is not None:
        keys[platform.signer.kid] = platform.signer.public_key
    return keys


def build_services(config: KioskConfig, clock: Clock | None = None) -> Services:
    clock = clock or SystemClock()
    config.data_dir.mkdir(parents=True, exist_ok=True)
    bundled = load_catalog(config.catalog.path)
    store = open_kiosk_store(config, clock, "the kiosk")
    hub: DeviceHub | None = None
    try:
        hub = build_hub(config)
        link = connect_platform(config, clock, store)
    except BaseException:
        # The mock devices' threads and ptys, and the lock, must not outlive a failed start.
        if hub is not None:
            hub.close()
        store.close()
        raise
    services = Services(config=config, clock=clock, catalog=bundled, hub=hub, store=store,
                        link_to_platform=link)
    services.apply_reference()
    return services

