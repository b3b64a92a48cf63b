"""The cabinet desk against the real driver on the mock boards and the embedded platform:
sizes, one place per case, a silent board, taking out (which withdraws the code, and
needs the platform), a load the platform has not heard of, and a redemption whose
answer was lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.clock import FakeClock
from kiosk.cabinet import CabinetDesk, CompartmentState, DoorProblem, Fault, LoadOutcome
from kiosk.cabinet_layout import Size, build_layout
from kiosk.pickups import NextStep, Verdict
from tests.support.cabinet import cabinet_config, mock_cabinet, pickup_code_of
from tests.support.cases import cut_link
from wiring.assembly import Assembly, assemble
from wiring.config import KioskConfig


@pytest.fixture
def config(tmp_path: Path) -> KioskConfig:
    return cabinet_config(tmp_path, close_timeout_s=2)


def desk_of(assembly: Assembly) -> CabinetDesk:
    desk = assembly.api.cabinet
    assert desk is not None
    return desk


def demo_cases(assembly: Assembly) -> list[str]:
    assert assembly.api.field_test is not None
    return assembly.api.field_test.add_demo_cases()


def loaded(assembly: Assembly, reference: str, size: Size = Size.SMALL) -> int:
    desk = desk_of(assembly)
    answer = desk.load(reference, size)
    assert answer.opened and answer.view is not None, answer
    mock_cabinet(assembly).push_closed(answer.view.compartment.door)
    assert desk.finish_load(answer.view.number).outcome is LoadOutcome.READY
    return answer.view.number


def test_the_layout_numbers_boards_in_order_and_fills_columns_top_down() -> None:
    layout = build_layout([1, 2], doors=12, rows=6, sizes="SSSSMMMMSSLL")
    thirteen = layout.get(13)
    assert thirteen is not None and (thirteen.door.board, thirteen.door.lock) == (2, 1)
    assert (thirteen.column, thirteen.row, thirteen.label) == (3, 1, "13")
    assert layout.fitting(Size.LARGE) == [11, 12, 23, 24]
    assert layout.fitting(Size.MEDIUM)[:8] == [5, 6, 7, 8, 17, 18, 19, 20]
    assert layout.fitting(Size.MEDIUM)[8:] == [11, 12, 23, 24]  # then the large ones


def test_goods_take_the_smallest_compartment_that_fits_until_none_is_left(
        assembly: Assembly) -> None:
    desk = desk_of(assembly)
    numbers = [desk.load(f"XH-CCB-0001-00010{n}", Size.LARGE).view for n in range(4)]
    assert [v.number for v in numbers if v is not None] == [11, 12, 23, 24]
    full = desk.load("XH-CCB-0001-000105", Size.LARGE)
    assert full.problem is DoorProblem.FULL and full.view is None
    again = desk.load("XH-CCB-0001-000100", Size.SMALL)
    assert again.problem is DoorProblem.ALREADY_HERE
    assert again.view is not None and again.view.number == 11


def test_a_silent_board_is_a_fault_and_the_case_is_free_to_go_elsewhere(
        assembly: Assembly) -> None:
    desk = desk_of(assembly)
    mock_cabinet(assembly).silence(1)
    answer = desk.load("XH-CCB-0001-000201", Size.SMALL)
    assert answer.problem is DoorProblem.NO_ANSWER and answer.view is not None
    assert (answer.view.state, answer.view.fault, answer.view.reference) == (
        "fault", Fault.NO_ANSWER, None)
    assert desk.faults == 1 and assembly.api.cabinet_faults() == 1
    mock_cabinet(assembly).silence(1, on=False)
    retry = desk.load("XH-CCB-0001-000201", Size.SMALL)
    assert retry.opened and retry.view is not None and retry.view.number != answer.view.number


def test_taking_out_uncollected_goods_withdraws_the_code(assembly: Assembly) -> None:
    desk = desk_of(assembly)
    reference = demo_cases(assembly)[0]
    number = loaded(assembly, reference)
    code = pickup_code_of(assembly, reference)
    answer = desk.empty(number, "uncollected")
    assert answer.opened
    mock_cabinet(assembly).push_closed(desk.layout.get(number).door)  # type: ignore[union-attr]
    assert desk.finish_empty(number)
    assert desk.compartment(number).state == "empty"  # type: ignore[union-attr]
    refused = assembly.api.redeem_pickup(code)
    assert (refused.verdict, refused.reason) == (Verdict.REFUSED, "withdrawn")
    assert mock_cabinet(assembly).state().open_doors == ()


def test_taking_out_ready_goods_needs_the_platform(assembly: Assembly) -> None:
    desk = desk_of(assembly)
    number = loaded(assembly, demo_cases(assembly)[0])
    cut_link(assembly)
    answer = desk.empty(number, "uncollected")
    assert answer.problem is DoorProblem.OFFLINE
    assert mock_cabinet(assembly).state().open_doors == ()
    assert desk.compartment(number).state == "loaded"  # type: ignore[union-attr]


def test_a_load_made_offline_is_told_to_the_platform_after_the_restart(
        tmp_path: Path, clock: FakeClock) -> None:
    config = cabinet_config(tmp_path)
    first = assemble(config, clock)
    try:
        desk = desk_of(first)
        reference = demo_cases(first)[0]
        answer = desk.load(reference, Size.SMALL)
        assert answer.view is not None
        mock_cabinet(first).push_closed(answer.view.compartment.door)
        cut_link(first)
        queued = desk.finish_load(answer.view.number)
        assert queued.outcome is LoadOutcome.QUEUED
        view = desk.compartment(answer.view.number)
        assert view is not None and (view.state, view.confirmed) == ("loaded", False)
    finally:
        first.close()
    again = assemble(config, clock)
    try:
        report = again.api.cabinet_reconcile()
        assert report is not None and report.confirmed == (answer.view.number,)
        assert report.platform_checked and report.unknown == ()
        assert pickup_code_of(again, reference)
    finally:
        again.close()


def test_a_redemption_whose_answer_was_lost_is_owed_and_never_released_twice(
        assembly: Assembly) -> None:
    desk = desk_of(assembly)
    reference = demo_cases(assembly)[0]
    number = loaded(assembly, reference)
    code = pickup_code_of(assembly, reference)
    assembly.api.platform.redeem(code)  # redeemed; the kiosk never heard the answer
    report = desk.reconcile()
    assert report.owed == (number,)
    view = desk.compartment(number)
    assert view is not None and (view.state, view.fault) == ("fault", Fault.OWED)
    again = assembly.api.redeem_pickup(code)
    assert again.verdict is Verdict.ALREADY_COLLECTED and again.compartment is None
    assert mock_cabinet(assembly).state().open_doors == ()


def test_goods_redeemed_while_their_compartment_is_a_fault_are_owed_not_opened(
        assembly: Assembly) -> None:
    desk = desk_of(assembly)
    reference = demo_cases(assembly)[0]
    number = loaded(assembly, reference)
    desk.journal.move(number, (CompartmentState.LOADED,), CompartmentState.FAULT,
                      "interrupted", fault=Fault.INTERRUPTED)  # as a restart leaves it
    answer = assembly.api.redeem_pickup(pickup_code_of(assembly, reference))
    assert (answer.verdict, answer.next_step) == (Verdict.COLLECTED, NextStep.ASK_STAFF)
    view = desk.compartment(number)
    assert view is not None and (view.state, view.fault) == ("fault", Fault.OWED)
    assert mock_cabinet(assembly).state().open_doors == ()
