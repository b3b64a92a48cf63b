"""The assembled kiosk keeps its outages and its devices' states in its store: a staff
pause is there after a restart, and the devices part is what the probe last found."""

from __future__ import annotations

from contracts.clock import FakeClock
from contracts.wire import DeviceReport
from devices.printer.status import PrinterState
from offline_cache.kiosk_state import KioskStateStore
from offline_cache.kiosk_store import STORE_FILE
from offline_cache.store import open_store
from tests.support.kiosk_driver import mock_printer
from wiring.assembly import assemble
from wiring.config import KioskConfig


def test_a_pause_survives_a_restart_and_the_devices_are_stored(config: KioskConfig,
                                                              clock: FakeClock) -> None:
    first = assemble(config, clock)
    try:
        first.api.put_out_of_service("*", "maintenance", note="glass")
        mock_printer(first).set_state(PrinterState.PAPER_OUT)
        first.api.check_devices()
    finally:
        first.close()
    stored = KioskStateStore(open_store(config.data_dir / STORE_FILE))
    assert stored.devices()["printer"] == DeviceReport(state="fault", detail="paper_out")
    outages = {(o.service, o.by, o.reason) for o in stored.outages()}
    assert ("*", "staff", "maintenance") in outages
    assert ("marriage-record-proof", "auto", "no_paper") in outages
    assert not any(o[0] == "pickup" for o in outages)  # it prints nothing

    again = assemble(config, clock)
    try:
        board = again.api.service_board()
        assert board.whole is not None and board.whole.note == "glass"
        again.api.check_devices()  # the new mock printer has paper: the device pauses go
        assert [o.service for o in again.api.outages()] == ["*"]
        assert again.api.bring_back_into_service("*")
        assert again.api.service_board().whole is None
    finally:
        again.close()
