"""Out of service (issue 18): which services need which devices, outages the kiosk puts
itself in when a needed device is down (``by="auto"``, lifted when it is back), outages
staff put in with a reason (``by="staff"``, lifted only by staff), and the whole kiosk
(service ``"*"``).

Outages and the devices' last states live in the kiosk's store (``KioskStateStore``):
they survive a restart, and the sync process sends them with its report. Each part is
written when it changes, never on every probe. The clock is passed in.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from contracts.catalog import Catalog, Item
from contracts.clock import Clock
from contracts.errors import KioskError
from contracts.wire import DeviceHealth, DeviceReport, Outage, OutageReason
from devices.status import DeviceStatus, Level

log = logging.getLogger(__package__)

WHOLE_KIOSK = "*"
# Services on the home screen that are not catalog items.
PICKUP = "pickup"  # 凭码取件 (and the cabinet's pickup, where the kiosk has one)
LOOKUP = "lookup"  # 查询办理进度: a typed reference needs no device
MY_RESERVATIONS = "my-reservation"  # 我的预约: by card or e-ID
SPECIAL_SERVICES = (PICKUP, LOOKUP, MY_RESERVATIONS)
# What staff may give as a reason (the others are the kiosk's own, from a device).
STAFF_REASONS: tuple[OutageReason, ...] = ("maintenance", "platform_unreachable", "staff",
                                           "other")
# "Typing it in": a way to identify that needs no device, where the item allows it.
MANUAL = "manual"
# The store holds as many outages as the kiosk's report carries (``KioskReport.outages``
# takes 100): staff's and the whole kiosk's first, then the kiosk's own. A catalog larger
# than that (Xuhui's has 673 items) keeps the rest in memory: a device's pauses are
# found again from the device at each start.
MAX_STORED_OUTAGES = 100

_HEALTH: dict[Level, DeviceHealth] = {Level.OK: "ok", Level.WARNING: "warning",
                                      Level.FAULT: "fault"}


class StateStore(Protocol):
    """Where the outages and device states are kept (``offline_cache.KioskStateStore``)."""

    def save_devices(self, devices: dict[str, DeviceReport], now: datetime) -> None: ...
    def save_outages(self, outages: list[Outage], now: datetime) -> None: ...
    def devices(self) -> dict[str, DeviceReport]: ...
    def outages(self) -> list[Outage]: ...


@dataclass(frozen=True, slots=True)
class Needs:
    """Every group must be met; a group is met by any one of its devices (``manual``:
    always met)."""

    groups: tuple[tuple[str, ...], ...]


def item_needs(item: Item) -> Needs:
    """A catalog item: identify (card reader, or the camera for an e-ID, or typing where
    the item takes a typed identity), then a printed slip (the printer with paper)."""
    identify = ("idcard", "qr") + ((MANUAL,) if item.manual_entry else ())
    return Needs((identify, ("printer",)))


def special_needs(service: str, has_cabinet: bool) -> Needs:
    if service == PICKUP:
        # A code held up to the camera, or the card on the reader where a cabinet holds
        # the goods; at a kiosk with a cabinet, collecting here is the cabinet's.
        groups: tuple[tuple[str, ...], ...] = (("qr", "idcard"),)
        return Needs(groups + ((("cabinet",),) if has_cabinet else ()))
    if service == LOOKUP:
        return Needs(())  # a reference typed on the keypad
    if service == MY_RESERVATIONS:
        return Needs((("idcard", "qr"),))
    raise KeyError(service)


def device_reason(name: str, status: DeviceStatus) -> OutageReason:
    if name == "printer":
        return "no_paper" if status.code == "paper_out" else "printer_down"
    reasons: dict[str, OutageReason] = {"idcard": "reader_down", "qr": "camera_down",
                                        "cabinet": "cabinet_down"}
    return reasons.get(name, "other")


def unmet(needs: Needs, statuses: Mapping[str, DeviceStatus]) -> OutageReason | None:
    """Why the needs cannot be met now (the first group no device of which works)."""
    for group in needs.groups:
        if MANUAL in group:
            continue
        working = [d for d in group if d in statuses and statuses[d].level is not Level.FAULT]
        if not working:
            down = next((d for d in group if d in statuses), group[0])
            status = statuses.get(down)
            return device_reason(down, status) if status is not None else "other"
    return None


def device_reports(statuses: Mapping[str, DeviceStatus]) -> dict[str, DeviceReport]:
    """The devices as the fleet view sees them: a level and a code (never the driver's
    detail, which may name a port the fleet view has no use for)."""
    return {name: DeviceReport(state=_HEALTH[s.level],
                               detail=f"{s.code}/{s.cause}" if s.cause else s.code)
            for name, s in statuses.items()}


@dataclass(frozen=True, slots=True)
class ServiceBoard:
    """What the home screen shows: the whole kiosk out (or not), each service out and
    why. ``out`` holds the services of ``services`` that are out (a staff outage wins
    over the kiosk's own)."""

    whole: Outage | None
    out: dict[str, Outage]
    services: tuple[str, ...]

    def is_out(self, service: str) -> bool:
        return self.whole is not None or service in self.out

    def outage_of(self, service: str) -> Outage | None:
        return self.whole or self.out.get(service)

    @property
    def still_working(self) -> list[str]:
        return [] if self.whole is not None else [
            s for s in self.services if s not in self.out]

    @property
    def signature(self) -> tuple[object, ...]:
        """Equal boards look the same on screen (a screen re-draws when it changes)."""
        whole = (self.whole.reason,) if self.whole is not None else None
        return whole, tuple(sorted((s, o.reason) for s, o in self.out.items()))


class ServiceStatus:
    """The outages, kept in the store. Thread-safe: the device probe (a worker) and the
    staff screen (the UI thread) both change them."""

    def __init__(self, store: StateStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._lock = threading.Lock()
        self._outages: list[Outage] = store.outages()
        self._devices: dict[str, DeviceReport] = store.devices()

    # -- reading ------------------------------------------------------------------------
    def outages(self) -> list[Outage]:
        with self._lock:
            return list(self._outages)

    def board(self, services: Iterable[str]) -> ServiceBoard:
        listed = tuple(services)
        with self._lock:
            whole = next((o for o in self._outages if o.service == WHOLE_KIOSK), None)
            out: dict[str, Outage] = {}
            for outage in self._outages:  # staff's first: theirs is the reason shown
                if outage.service in listed and (outage.service not in out or
                                                 outage.by == "staff"):
                    out[outage.service] = outage
        return ServiceBoard(whole, out, listed)

    # -- the devices --------------------------------------------------------------------
    def observe(self, statuses: Mapping[str, DeviceStatus],
                needs: Mapping[str, Needs]) -> bool:
        """The devices as probed now, and what each service needs: the device states
        and the kiosk's own outages are saved when they changed. True: the outages
        changed."""
        now = self._clock.now()
        reports = device_reports(statuses)
        with self._lock:
            if reports != self._devices:
                try:
                    self._store.save_devices(reports, now)
                    self._devices = reports
                except KioskError as exc:  # tried again at the next check
                    log.warning("device states not saved: %s", exc)
            wanted = {service: reason for service, need in needs.items()
                      if (reason := unmet(need, statuses)) is not None}
            kept: list[Outage] = []
            lifted: list[str] = []
            for outage in self._outages:
                if outage.by != "auto":
                    kept.append(outage)
                elif wanted.get(outage.service) == outage.reason:
                    kept.append(outage)
                    del wanted[outage.service]
                else:
                    lifted.append(outage.service)
            for service, reason in wanted.items():
                kept.append(Outage(service=service, reason=reason, by="auto", since=now))
            if lifted or wanted:
                try:
                    self._save(kept, now)
                except KioskError as exc:
                    # A full disk must not stop the kiosk: the outages hold in memory
                    # (what the screens show) and are found again from the devices.
                    log.warning("outages not saved, kept in memory: %s", exc)
                    self._outages = kept
        # One line each way, not one per service (a paper-out takes every slip service).
        if lifted:
            log.info("%d service(s) back in service by themselves: %s", len(lifted),
                     ", ".join(sorted(lifted)[:5]))
        if wanted:
            log.warning("%d service(s) out of service by themselves: %s", len(wanted),
                        ", ".join(sorted({str(r) for r in wanted.values()})))
        return bool(lifted or wanted)

    # -- staff --------------------------------------------------------------------------
    def put_out(self, service: str, reason: OutageReason, note: str = "") -> Outage:
        """Staff put a service (or ``*``) out of service; a staff outage of the same
        service is replaced. The note is staff's text: never shown to a citizen."""
        now = self._clock.now()
        outage = Outage(service=service, reason=reason, by="staff", since=now,
                        note=note.strip())
        with self._lock:
            kept = [o for o in self._outages if not (o.service == service and o.by == "staff")]
            self._save([*kept, outage], now)
        log.info("staff put %s out of service: %s", service, reason)
        return outage

    def bring_back(self, service: str) -> bool:
        """Staff lift their outage of a service (or ``*``); the kiosk's own outage, if a
        device is still down, stays until the device is back. True: one was lifted."""
        now = self._clock.now()
        with self._lock:
            kept = [o for o in self._outages if not (o.service == service and o.by == "staff")]
            if len(kept) == len(self._outages):
                return False
            self._save(kept, now)
        log.info("staff brought %s back into service", service)
        return True

    def _save(self, outages: list[Outage], now: datetime) -> None:
        stored = sorted(outages, key=lambda o: (o.by != "staff", o.service != WHOLE_KIOSK))
        self._store.save_outages(stored[:MAX_STORED_OUTAGES], now)  # durable, then believed
        self._outages = outages


def service_needs(catalog: Catalog, has_cabinet: bool) -> dict[str, Needs]:
    """Every service this kiosk offers and what it needs."""
    needs = {item.id: item_needs(item) for item in catalog.items}
    needs.update({s: special_needs(s, has_cabinet) for s in SPECIAL_SERVICES})
    return needs


class MemoryState:
    """A ``StateStore`` that keeps nothing across a restart (a kiosk assembled without
    its store's state part)."""

    def __init__(self) -> None:
        self._devices: dict[str, DeviceReport] = {}
        self._outages: list[Outage] = []

    def save_devices(self, devices: dict[str, DeviceReport], now: datetime) -> None:
        self._devices = dict(devices)

    def save_outages(self, outages: list[Outage], now: datetime) -> None:
        self._outages = list(outages)

    def devices(self) -> dict[str, DeviceReport]:
        return dict(self._devices)

    def outages(self) -> list[Outage]:
        return list(self._outages)
