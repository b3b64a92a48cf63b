"""Issue 16, finding 9: the staff PIN's lockout grows with every round of wrong PINs and
is kept in the kiosk's store, so a restart gives no fresh tries; a check cut short by a
restart counts as a wrong PIN."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from contracts.clock import FakeClock
from kiosk.staff import MAX_LOCKOUT_S, MemoryLockout, PinGate, lockout_s
from offline_cache.staff_lockout import LockoutRecord, StaffLockoutStore
from offline_cache.store import open_store
from wiring.assembly import assemble
from wiring.config import KioskConfig


def wrong(gate: PinGate, times: int) -> int:
    left = -1
    for _ in range(times):
        gate.checking()
        left = gate.record(False)
    return left


def test_the_lockouts_grow_5_10_20_minutes_up_to_a_day() -> None:
    clock = FakeClock()
    gate = PinGate(clock, MemoryLockout())
    assert [lockout_s(n) for n in (1, 2, 3, 5, 6, 9, 12)] == [0, 0, 300, 300, 600, 1200, 2400]
    assert lockout_s(3 * 40) == MAX_LOCKOUT_S == 24 * 3600
    assert wrong(gate, 2) == 1 and not gate.locked()
    for expected in (300, 600, 1200, 2400):
        assert wrong(gate, 3 if expected > 300 else 1) == 0
        assert gate.locked_for_s() == expected
        clock.advance(expected - 1)
        assert gate.locked()
        clock.advance(1)
        assert not gate.locked()
    gate.checking()
    assert gate.record(True) == 3  # the right PIN: the count starts again
    assert wrong(gate, 3) == 0 and gate.locked_for_s() == 300


def test_a_clock_set_back_does_not_stretch_a_lockout() -> None:
    clock = FakeClock()
    gate = PinGate(clock, MemoryLockout())
    wrong(gate, 3)
    clock._now -= timedelta(days=30)  # someone sets the kiosk's clock back a month
    assert gate.locked_for_s() == 300


def test_the_lockout_survives_a_restart(tmp_path: Path) -> None:
    clock = FakeClock()
    db = open_store(tmp_path / "kiosk.db")
    gate = PinGate(clock, StaffLockoutStore(db))
    assert wrong(gate, 3) == 0
    db.close()  # the kiosk is restarted
    clock.advance(60)
    again = PinGate(clock, StaffLockoutStore(open_store(tmp_path / "kiosk.db")))
    assert again.locked_for_s() == 240
    clock.advance(240)
    assert not again.locked()
    assert wrong(again, 3) == 0 and again.locked_for_s() == 600  # the next one is longer


def test_a_check_cut_short_by_a_restart_counts_as_wrong(tmp_path: Path) -> None:
    clock = FakeClock()
    db = open_store(tmp_path / "kiosk.db")
    store = StaffLockoutStore(db)
    gate = PinGate(clock, store)
    wrong(gate, 2)
    gate.checking()  # ... and the power is pulled while PBKDF2 runs
    db.close()
    again = PinGate(clock, StaffLockoutStore(open_store(tmp_path / "kiosk.db")))
    assert again.locked_for_s() == 300
    record = StaffLockoutStore(open_store(tmp_path / "kiosk.db")).load()
    assert record == LockoutRecord(3, clock.now() + timedelta(seconds=300), checking=False)


def test_the_kiosk_keeps_the_lockout_across_a_restart(config: KioskConfig,
                                                      clock: FakeClock) -> None:
    first = assemble(config, clock)
    try:
        for _ in range(3):
            assert not first.api.check_staff_pin("9999")
            first.api.staff_gate.record(False)
        assert first.api.staff_locked_until() == clock.now() + timedelta(seconds=300)
    finally:
        first.close()
    clock.advance(100)
    second = assemble(config, clock)
    try:
        assert second.api.staff_locked_until() == clock.now() + timedelta(seconds=200)
    finally:
        second.close()
