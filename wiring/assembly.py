"""The kiosk put together from its config: store, devices, platform connection, and the
one ``KioskApi`` the screens are given.

Tests assemble it with a temporary data folder and a fake clock. A failed start
closes what it had opened (the mock devices' threads and ptys, the outbox lock).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from contracts.catalog import load_catalog
from contracts.clock import Clock, SystemClock
from contracts.pickup_codes import public_keys_from_b64
from devices.hub import DeviceHub
from kiosk.api import KioskApi, KioskSettings
from kiosk.cabinet import CabinetDesk
from kiosk.cabinet_layout import build_layout
from kiosk.field_test import FieldTest
from offline_cache.kiosk_state import KioskStateStore
from offline_cache.kiosk_store import STORE_FILE, KioskStore
from offline_cache.staff_lockout import StaffLockoutStore
from offline_cache.store import open_store
from wiring.config import KioskConfig
from wiring.devices import build_hub, build_speaker
from wiring.sync import PlatformConnection, connect_platform, store_from_config, sync_loop_factory

log = logging.getLogger(__package__)


@dataclass
class Assembly:
    config: KioskConfig
    api: KioskApi
    hub: DeviceHub
    store: KioskStore
    connection: PlatformConnection

    def close(self) -> None:
        self.api.speaker.close()
        self.hub.close()
        self.connection.close()
        self.store.close()


def settings_of(config: KioskConfig) -> KioskSettings:
    return KioskSettings(
        kiosk_id=config.kiosk.id,
        branch_zh=config.kiosk.branch_zh,
        branch_en=config.kiosk.branch_en,
        language=config.kiosk.language,
        idle_timeout_s=config.idle.timeout_s,
        idle_warning_s=config.idle.warning_s,
        staff_pin_hash=config.staff.pin_hash,
        staff_long_press_s=config.staff.long_press_s,
        max_clock_drift_s=config.platform.max_clock_drift_s,
        sync_stop_s=config.platform.timeout_s + 1,
        done_min_s=config.idle.done_min_s,
        speech_for_everyone=config.speech.on_for_everyone,
        speech_in_elder_mode=config.speech.on_in_elder_mode,

        go_instead_zh=config.kiosk.go_instead_zh,
        go_instead_en=config.kiosk.go_instead_en,
    )


def _cabinet_desk(config: KioskConfig, hub: DeviceHub, store: KioskStore,
                  connection: PlatformConnection, clock: Clock) -> CabinetDesk | None:
    if hub.cabinet is None:
        return None
    section = config.devices.cabinet
    layout = build_layout(section.boards, section.doors, section.rows, section.sizes)
    return CabinetDesk(hub.cabinet, store.cabinet, connection.platform, layout, clock,
                       close_timeout_s=section.close_timeout_s)


def staff_lockout(config: KioskConfig, store: KioskStore) -> StaffLockoutStore:
    """The staff PIN's lockout in the kiosk's store, on its own connection (closed with
    the store's, before its lock is released)."""
    db = open_store(config.data_dir / STORE_FILE)
    store.connections.append(db)
    return StaffLockoutStore(db)


def kiosk_state(config: KioskConfig, store: KioskStore) -> KioskStateStore:
    """The kiosk's own state (devices, outages) in its store, on its own connection."""
    db = open_store(config.data_dir / STORE_FILE)
    store.connections.append(db)
    return KioskStateStore(db)


def assemble(config: KioskConfig, clock: Clock | None = None) -> Assembly:
    clock = clock or SystemClock()
    bundled = load_catalog(config.catalog.path)
    store = store_from_config(config, clock, "the kiosk")
    hub: DeviceHub | None = None
    try:
        lockout = staff_lockout(config, store)
        state = kiosk_state(config, store)
        hub = build_hub(config)
        connection = connect_platform(config, clock, store)
    except BaseException:
        if hub is not None:
            hub.close()
        store.close()
        raise
    keys = public_keys_from_b64(config.platform.pickup_keys)
    embedded = connection.embedded
    if embedded is not None:
        keys[embedded.signer.kid] = embedded.signer.public_key
    field_test = None
    if hub.mocks is not None:
        demo_codes = demo_cases = None
        if embedded is not None:
            def demo_codes(now: datetime) -> dict[str, str]:
                return embedded.demo_pickup_codes(now)

            def demo_cases(now: datetime) -> list[str]:
                return embedded.add_demo_cases(now)
        field_test = FieldTest(hub.mocks, clock, demo_codes, demo_cases)
    api = KioskApi(settings_of(config), clock, bundled, hub, store, connection.sync,
                   sync_loop_factory(config, connection), connection.platform, keys,
                   field_test, cabinet=_cabinet_desk(config, hub, store, connection, clock),
                   cabinet_uncollected_days=config.devices.cabinet.uncollected_days,
                   staff_lockout=lockout, speaker=build_speaker(config.speech),
                   kiosk_state=state)
    log.info("kiosk %s assembled: platform %s, devices %s", config.kiosk.id,
             "embedded" if embedded is not None else connection.url,
             ", ".join(f"{name} {status.code}" for name, status in hub.statuses().items()))
    return Assembly(config, api, hub, store, connection)
