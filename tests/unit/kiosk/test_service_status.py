"""Out of service (kiosk/service_status.py) on the kiosk's real store and a fake clock:
the kiosk's own outages follow its devices, staff's stay until staff lift them, and
both survive a reopen of the store."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from contracts.catalog import load_catalog
from contracts.clock import FakeClock
from contracts.wire import DeviceReport
from devices.printer.status import PrinterState, device_status
from devices.status import DeviceStatus, Level
from kiosk.service_status import (
    LOOKUP,
    MAX_STORED_OUTAGES,
    MY_RESERVATIONS,
    PICKUP,
    WHOLE_KIOSK,
    Needs,
    ServiceStatus,
    service_needs,
)
from offline_cache.kiosk_state import KioskStateStore
from offline_cache.store import open_store
from wiring.config import DEMO_CONFIG, load_config

CATALOG = load_catalog(load_config(DEMO_CONFIG).catalog.path)
NEEDS = service_needs(CATALOG, has_cabinet=True)
UNPLUGGED = DeviceStatus(Level.FAULT, "unplugged", cause="line_lost")


class CountingStore(KioskStateStore):
    """The real store, counting its writes (the kiosk writes only on a change)."""

    writes = 0

    def _save(self, part: str, body: bytes, now: datetime) -> None:
        self.writes += 1
        super()._save(part, body, now)


def all_ok(**changed: DeviceStatus) -> dict[str, DeviceStatus]:
    statuses = {name: DeviceStatus.ready() for name in ("idcard", "qr", "printer", "cabinet")}
    statuses.update(changed)
    return statuses


def open_state(path: Path) -> CountingStore:
    return CountingStore(open_store(path))


def test_paper_out_puts_the_slip_services_out_and_paper_brings_them_back(
        tmp_path: Path) -> None:
    clock = FakeClock()
    store = open_state(tmp_path / "kiosk.db")
    status = ServiceStatus(store, clock)
    assert status.observe(all_ok(), NEEDS) is False
    assert store.writes == 1  # the devices, once

    paper_out = device_status(PrinterState.PAPER_OUT)
    assert status.observe(all_ok(printer=paper_out), NEEDS) is True
    board = status.board(list(NEEDS))
    assert board.whole is None
    item = "marriage-record-proof"
    outage = board.outage_of(item)
    assert outage is not None and (outage.reason, outage.by) == ("no_paper", "auto")
    assert outage.since == clock.now()
    # What prints nothing still works: a pickup, a lookup, my reservations.
    assert {PICKUP, LOOKUP, MY_RESERVATIONS} <= set(board.still_working)
    assert store.devices()["printer"] == DeviceReport(state="fault", detail="paper_out")
    assert {o.service for o in store.outages()} == {i.id for i in CATALOG.items}

    writes = store.writes
    clock.advance(5)
    assert status.observe(all_ok(printer=paper_out), NEEDS) is False  # nothing new
    assert store.writes == writes  # not written on every probe
    clock.advance(60)
    assert status.observe(all_ok(), NEEDS) is True
    assert status.board(list(NEEDS)).out == {}
    assert store.outages() == []
    assert store.devices()["printer"] == DeviceReport(state="ok", detail="ready")


def test_identify_needs_the_reader_or_the_camera_or_typing(tmp_path: Path) -> None:
    status = ServiceStatus(open_state(tmp_path / "kiosk.db"), FakeClock())
    status.observe(all_ok(idcard=UNPLUGGED), NEEDS)
    assert status.board(list(NEEDS)).out == {}  # the camera reads an e-ID
    status.observe(all_ok(idcard=UNPLUGGED, qr=UNPLUGGED), NEEDS)
    board = status.board(list(NEEDS))
    typed_ok = {i.id for i in CATALOG.items if i.manual_entry}
    assert typed_ok and not typed_ok & set(board.out)
    assert board.out["marriage-record-proof"].reason == "reader_down"
    assert board.out[MY_RESERVATIONS].reason == "reader_down"
    assert LOOKUP not in board.out  # a reference can be typed


def test_the_cabinet_down_stops_the_pickup_only(tmp_path: Path) -> None:
    status = ServiceStatus(open_state(tmp_path / "kiosk.db"), FakeClock())
    status.observe(all_ok(cabinet=UNPLUGGED), NEEDS)
    board = status.board(list(NEEDS))
    assert list(board.out) == [PICKUP] and board.out[PICKUP].reason == "cabinet_down"
    # Without a cabinet, the pickup needs only a way to read the code or card.
    status.observe(all_ok(), service_needs(CATALOG, has_cabinet=False))
    assert status.board(list(NEEDS)).out == {}


def test_a_staff_outage_stays_across_a_reopen_until_staff_lift_it(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "kiosk.db"
    status = ServiceStatus(open_state(path), clock)
    status.put_out("elderly-allowance", "maintenance", note=" new form from Monday ")
    status.observe(all_ok(), NEEDS)  # the devices being fine lifts no staff outage

    again = ServiceStatus(open_state(path), clock)
    outage = again.board(list(NEEDS)).outage_of("elderly-allowance")
    assert outage is not None
    assert (outage.by, outage.reason, outage.note) == ("staff", "maintenance",
                                                      "new form from Monday")
    assert again.bring_back("marriage-record-proof") is False  # staff had none there
    assert again.bring_back("elderly-allowance") is True
    assert ServiceStatus(open_state(path), clock).outages() == []


def test_staff_reason_wins_and_lifting_it_leaves_the_devices_own(tmp_path: Path) -> None:
    status = ServiceStatus(open_state(tmp_path / "kiosk.db"), FakeClock())
    status.observe(all_ok(printer=device_status(PrinterState.COVER_OPEN)), NEEDS)
    status.put_out("marriage-record-proof", "other")
    board = status.board(list(NEEDS))
    assert board.out["marriage-record-proof"].by == "staff"
    status.bring_back("marriage-record-proof")
    outage = status.board(list(NEEDS)).out["marriage-record-proof"]
    assert (outage.by, outage.reason) == ("auto", "printer_down")


def test_the_whole_kiosk_out_and_back(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "kiosk.db"
    status = ServiceStatus(open_state(path), clock)
    status.put_out(WHOLE_KIOSK, "maintenance")
    board = ServiceStatus(open_state(path), clock).board(list(NEEDS))
    assert board.whole is not None and board.whole.reason == "maintenance"
    assert board.is_out(LOOKUP) and board.still_working == []
    status.bring_back(WHOLE_KIOSK)
    assert status.board(list(NEEDS)).whole is None


def test_a_large_catalog_stores_what_the_report_carries_staffs_first(tmp_path: Path) -> None:
    needs = {f"item-{n:03}": Needs((("printer",),)) for n in range(150)}
    store = open_state(tmp_path / "kiosk.db")
    status = ServiceStatus(store, FakeClock())
    status.put_out("item-149", "maintenance")
    status.observe(all_ok(printer=device_status(PrinterState.PAPER_OUT)), needs)
    assert len(status.board(list(needs)).out) == 150  # the screens see every one
    stored = store.outages()
    assert len(stored) == MAX_STORED_OUTAGES and stored[0].by == "staff"
    writes = store.writes
    status.observe(all_ok(printer=device_status(PrinterState.PAPER_OUT)), needs)
    assert store.writes == writes  # nothing changed, nothing written


def test_a_full_disk_keeps_the_outages_in_memory_not_a_stopped_kiosk(tmp_path: Path) -> None:
    """The device check writes when a device changes: a write the store refuses (a full
    disk) is logged and the outage still holds on screen."""
    store = open_state(tmp_path / "kiosk.db")
    status = ServiceStatus(store, FakeClock())
    status.observe(all_ok(), NEEDS)
    store._db.execute("PRAGMA query_only = ON")  # every write now fails, as on a full disk
    assert status.observe(all_ok(printer=device_status(PrinterState.PAPER_OUT)), NEEDS)
    outage = status.board(list(NEEDS)).outage_of("marriage-record-proof")
    assert outage is not None and outage.reason == "no_paper"
    store._db.execute("PRAGMA query_only = OFF")
    assert store.outages() == []  # nothing was written: found again from the devices


def test_an_unreadable_stored_state_starts_empty(tmp_path: Path) -> None:
    """A reason a newer kiosk wrote, then rolled back: the kiosk starts, without it."""
    db = open_store(tmp_path / "kiosk.db")
    db.execute("INSERT INTO kiosk_state (part, body, updated_at) VALUES"
               " ('outages', '[{\"service\": \"*\", \"reason\": \"from_the_future\"}]', 'x'),"
               " ('devices', 'not json', 'x')")
    status = ServiceStatus(KioskStateStore(db), FakeClock())
    assert status.outages() == []
    assert status.board(list(NEEDS)).whole is None
