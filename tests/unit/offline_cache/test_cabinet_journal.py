"""The cabinet journal: a compartment assigned once, a state moved only from the state
expected, a case in one place, every move journalled and kept across a restart."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from contracts.clock import FakeClock
from offline_cache.cabinet_journal import CabinetJournal, CompartmentState, Fault, Phase
from offline_cache.store import open_store

S = CompartmentState


def journal(tmp_path: Path) -> CabinetJournal:
    cabinet = CabinetJournal(open_store(tmp_path / "kiosk.db"), FakeClock())
    cabinet.ensure(range(1, 5))
    return cabinet


def test_a_claim_takes_the_first_empty_compartment_of_those_offered(tmp_path: Path) -> None:
    cabinet = journal(tmp_path)
    assert cabinet.claim([3, 1], "XH-CCB-0001-000001", "load_claimed") == 3
    assert cabinet.claim([3, 1], "XH-CCB-0001-000002", "load_claimed") == 1
    assert cabinet.claim([3, 1], "XH-CCB-0001-000003", "load_claimed") is None
    record = cabinet.get(3)
    assert record is not None and (record.state, record.reference) == (
        S.LOADING, "XH-CCB-0001-000001")


def test_a_case_has_one_place(tmp_path: Path) -> None:
    cabinet = journal(tmp_path)
    cabinet.claim([1], "XH-CCB-0001-000001", "load_claimed")
    with pytest.raises(ValueError, match="already has a compartment"):
        cabinet.claim([2], "XH-CCB-0001-000001", "load_claimed")
    assert cabinet.get(2) is not None and cabinet.get(2).state is S.EMPTY  # type: ignore[union-attr]


def test_twenty_workers_claiming_at_once_never_share_a_compartment(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.db"
    CabinetJournal(open_store(path), FakeClock()).ensure(range(1, 5))
    won: list[int | None] = []
    start = threading.Barrier(20)

    def claim(n: int) -> None:
        own = CabinetJournal(open_store(path), FakeClock())  # a connection per worker
        start.wait()
        won.append(own.claim([1, 2, 3, 4], f"XH-CCB-0001-{n:06d}", "load_claimed"))

    workers = [threading.Thread(target=claim, args=(n,)) for n in range(20)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(n for n in won if n is not None) == [1, 2, 3, 4]
    assert won.count(None) == 16


def test_a_move_happens_only_from_the_state_expected_and_is_journalled(
        tmp_path: Path) -> None:
    cabinet = journal(tmp_path)
    cabinet.claim([2], "XH-CCB-0001-000007", "load_claimed")
    assert not cabinet.move(2, (S.LOADED,), S.RELEASING, "redeemed")
    assert cabinet.move(2, (S.LOADING,), S.LOADED, "door_closed", confirmed=True)
    assert cabinet.move(2, (S.LOADED,), S.RELEASING, "redeemed")
    assert not cabinet.move(2, (S.LOADED,), S.RELEASING, "redeemed")  # released once
    assert cabinet.move(2, (S.RELEASING,), S.FAULT, "left_open", fault=Fault.LEFT_OPEN,
                        phase=Phase.RELEASE)
    again = CabinetJournal(open_store(tmp_path / "kiosk.db"), FakeClock())  # a restart
    record = again.get(2)
    assert record is not None
    assert (record.state, record.fault, record.phase, record.reference) == (
        S.FAULT, Fault.LEFT_OPEN, Phase.RELEASE, "XH-CCB-0001-000007")
    assert [e.event for e in again.events(2)] == [
        "left_open", "redeemed", "door_closed", "load_claimed"]
    assert again.move(2, (S.FAULT,), S.EMPTY, "emptied", clear_reference=True)
    assert again.holding("XH-CCB-0001-000007") is None
