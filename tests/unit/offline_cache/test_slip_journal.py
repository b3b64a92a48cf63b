"""The slip journal: every slip kept before it prints, failures kept for staff, reprints
marked COPY and counted (through the screens: tests/ui/test_staff_printing.py)."""

from __future__ import annotations

from pathlib import Path

from contracts.clock import FakeClock
from kiosk.slips import demo_slip
from offline_cache.slip_journal import SlipJournal, SlipState
from offline_cache.store import open_store


def journal(tmp_path: Path) -> SlipJournal:
    return SlipJournal(open_store(tmp_path / "kiosk.db"), FakeClock())


def test_a_slip_is_kept_before_it_prints_and_survives_a_restart(tmp_path: Path) -> None:
    entry = journal(tmp_path).record(demo_slip())
    again = journal(tmp_path)  # the kiosk restarted (power cut during the job)
    (kept,) = again.not_printed()
    assert (kept.id, kept.state, kept.slip) == (entry, SlipState.PRINTING, demo_slip())
    again.finished(entry)
    assert again.not_printed() == []


def test_a_failed_slip_stays_with_its_reason(tmp_path: Path) -> None:
    slips = journal(tmp_path)
    entry = slips.record(demo_slip())
    slips.finished(entry, "paper_out")
    (kept,) = slips.not_printed()
    assert (kept.state, kept.last_error) == (SlipState.FAILED, "paper_out")


def test_copies_are_marked_and_counted_when_they_print(tmp_path: Path) -> None:
    slips = journal(tmp_path)
    entry = slips.record(demo_slip())
    slips.finished(entry, "paper_out")
    failed_id, failed = slips.copy_of(entry, "副本 第{n}次补打")
    slips.finished(failed_id, "paper_out")  # still out of paper: not a reprint
    first_id, first = slips.copy_of(entry, "副本 第{n}次补打")
    assert [e.id for e in slips.not_printed()] == [entry]  # nothing printed yet
    slips.finished(first_id)
    assert slips.not_printed() == []  # a copy of it printed: it is in the citizen's hand
    second_id, second = slips.copy_of(entry, "副本 第{n}次补打")
    slips.finished(second_id)
    assert (failed.marker, first.marker, second.marker) == (
        "副本 第1次补打", "副本 第1次补打", "副本 第2次补打")
    assert first.reference == demo_slip().reference and first_id != entry
    last = slips.last()
    assert last is not None and (last.id, last.copies) == (entry, 2)


def test_a_copy_of_an_offline_slip_keeps_both_marks(tmp_path: Path) -> None:
    from dataclasses import replace

    slips = journal(tmp_path)
    entry = slips.record(replace(demo_slip(), marker="离线受理 待确认"))
    _, copy = slips.copy_of(entry, "副本 第{n}次补打")
    assert copy.marker == "副本 第1次补打 · 离线受理 待确认"


def test_a_slip_is_found_by_its_reference_and_copies_or_tests_are_not(tmp_path: Path) -> None:
    from dataclasses import replace

    from offline_cache.slip_journal import JobKind

    slips = journal(tmp_path)
    other = slips.record(replace(demo_slip(), reference="XH-CCB-0001-000007"))
    slips.record(demo_slip(), JobKind.TEST)  # a test page carries a reference too
    assert slips.find(demo_slip().reference) is None
    wanted = slips.record(demo_slip())
    slips.copy_of(wanted, "副本 第{n}次补打")  # the copy is journalled after it
    found = slips.find(demo_slip().reference)
    assert found is not None and found.id == wanted
    seventh = slips.find("XH-CCB-0001-000007")
    assert seventh is not None and seventh.id == other
    assert slips.find("XH-CCB-0001-999999") is None
