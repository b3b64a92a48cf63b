"""The kiosk API without Textual: printing with the journal, submitting, rating, looking up.

These are the use cases the screens used to carry; here they run on the real store
and the mock devices behind the real drivers, with a fake clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from contracts.identity import Identity, IdSource, mask_id_number, mask_name
from contracts.slip import Slip
from contracts.wire import PAYLOADS
from devices.printer import PrintError
from devices.status import DeviceStatus, Level
from kiosk.applications import Rating
from kiosk.i18n import Translator
from kiosk.slips import demo_slip
from offline_cache.outbox import State
from offline_cache.slip_journal import SlipState
from wiring.assembly import Assembly

ZHANG = Identity(name="张伟", id_number="310104198506121230", source=IdSource.CARD)
ITEM = "marriage-record-proof"


@dataclass
class PaperOut:
    """A printer whose roll has run out: every job fails with its status."""

    paper_mm: int = 80
    native_qr: bool = True
    jobs: list[bytes] = field(default_factory=list)

    def print_job(self, data: bytes) -> None:
        self.jobs.append(data)
        raise PrintError(DeviceStatus(Level.FAULT, "paper_out"))

    def status(self) -> DeviceStatus:
        return DeviceStatus(Level.FAULT, "paper_out")

    def check(self) -> DeviceStatus:
        return self.status()

    def close(self) -> None:
        pass


def to_confirm(assembly: Assembly) -> None:
    api = assembly.api
    api.session.choose(api.catalog.get(ITEM))
    api.session.identify(ZHANG)
    item = api.session.item
    assert item is not None
    api.session.fill({spec.key: spec.choices[0].value if spec.choices else "13812341234"
                      for spec in item.fields if spec.prefill is None})


def test_a_slip_is_journalled_and_printed(assembly: Assembly) -> None:
    result = assembly.api.print_slip(demo_slip())
    assert (result.reference, result.problem) == (demo_slip().reference, None)
    mock = assembly.hub.mocks.printer if assembly.hub.mocks else None
    assert mock is not None and len(mock.jobs()) == 1
    state = assembly.api.journal_state()
    assert state.last is not None and state.last.state is SlipState.PRINTED
    assert state.not_printed == 0


def test_a_failed_print_stays_in_the_journal_and_says_why(assembly: Assembly) -> None:
    printer = PaperOut()
    assembly.hub.printer = printer
    result = assembly.api.print_slip(demo_slip())
    assert result.problem is not None and result.problem.code == "paper_out"
    assert len(printer.jobs) == 1
    state = assembly.api.journal_state()
    assert state.last is not None and state.last.state is SlipState.FAILED
    assert state.not_printed == 1


def test_reprint_is_marked_copy_and_counted(assembly: Assembly) -> None:
    api = assembly.api
    assert api.reprint_last("副本 第{n}次补打") is None  # nothing printed yet
    api.print_slip(demo_slip())
    first = api.reprint_last("副本 第{n}次补打")
    second = api.reprint_last("副本 第{n}次补打")
    assert first is not None and second is not None and second.problem is None
    state = api.journal_state()
    assert state.last is not None and state.last.copies == 2  # copies are not "the last slip"


def test_a_slip_is_reprinted_by_its_reference_like_the_last_one(assembly: Assembly) -> None:
    """Issue 13, item 11: staff find any slip by reference, not only the last one."""
    from dataclasses import replace

    api = assembly.api
    wanted = replace(demo_slip(), reference="XH-CCB-0001-000007")
    api.print_slip(wanted)
    api.print_slip(demo_slip())  # a later slip: the last one is not the one wanted
    assert api.reprint("XH-CCB-0001-000008", "副本 第{n}次补打") is None
    result = api.reprint("XH-CCB-0001-000007", "副本 第{n}次补打")
    assert result is not None and (result.reference, result.problem) == (wanted.reference, None)
    found = api.find_slip("XH-CCB-0001-000007")
    assert found is not None and found.item_id is None  # a slip without a case here
    assert (found.entry.copies, found.entry.state) == (1, SlipState.PRINTED)
    last = api.journal_state().last
    assert last is not None and (last.reference, last.copies) == (demo_slip().reference, 0)


def test_a_failed_reprint_by_reference_is_not_counted(assembly: Assembly) -> None:
    api = assembly.api
    api.print_slip(demo_slip())
    assembly.hub.printer = PaperOut()
    result = api.reprint(demo_slip().reference, "副本 第{n}次补打")
    assert result is not None and result.problem is not None
    found = api.find_slip(demo_slip().reference)
    assert found is not None and found.entry.copies == 0


@pytest.mark.parametrize(("typed", "reference"), [
    ("7", "XH-CCB-0001-000007"), ("000042", "XH-CCB-0001-000042"),
    (" xh-ccb-0002-000042 ", "XH-CCB-0002-000042"),
    ("", None), ("1234567", None), ("XH-42", None)])
def test_staff_may_type_only_the_case_number(assembly: Assembly, typed: str,
                                             reference: str | None) -> None:
    assert assembly.api.settings.kiosk_id == "XH-CCB-0001"
    assert assembly.api.slip_reference(typed) == reference


def test_test_print_is_journalled_but_not_the_last_slip(assembly: Assembly) -> None:
    result = assembly.api.test_print()
    assert result.problem is None
    assert assembly.api.journal_state().last is None


def test_submit_writes_the_wire_payload_and_rating_follows(assembly: Assembly) -> None:
    api = assembly.api
    to_confirm(assembly)
    submission = api.submit()
    api.session.submitted(submission)
    outbox = assembly.store.outbox
    tx = outbox.get(submission.transaction_id)
    assert tx.kind == "application" and outbox.state_of(tx.id) is State.PENDING
    PAYLOADS["application"].model_validate(tx.payload)  # what the platform will accept
    assert api.sync_status.queue is not None and api.sync_status.queue.pending == 1
    assert api.lookup(submission.reference) is not None
    api.session.to_rating()
    api.rate(Rating.SATISFIED, "")
    assert outbox.summary().pending == 2


def test_the_application_slip_is_masked(assembly: Assembly) -> None:
    api = assembly.api
    to_confirm(assembly)
    api.session.submitted(api.submit())
    slip: Slip = api.application_slip(Translator("zh-CN"))
    text = repr(slip)
    assert mask_name(ZHANG.name) in text and mask_id_number(ZHANG.id_number) in text
    assert "张伟" not in text and "310104198506121230" not in text


def test_a_bad_review_needs_a_reason(assembly: Assembly) -> None:
    api = assembly.api
    to_confirm(assembly)
    api.session.submitted(api.submit())
    api.session.to_rating()
    with pytest.raises(ValueError):
        api.rate(Rating.VERY_DISSATISFIED, "")


def test_printer_status_is_read_without_io(assembly: Assembly) -> None:
    statuses = assembly.api.device_statuses()
    assert set(statuses) == {"idcard", "qr", "printer", "cabinet"}
    assert statuses["printer"].level in (Level.OK, Level.WARNING)


def test_ratings_use_no_case_numbers(assembly: Assembly) -> None:
    """Issue 13, item 22: references are for cases; a rating carries its case's."""
    api, outbox = assembly.api, assembly.store.outbox
    references = []
    for _ in range(2):
        to_confirm(assembly)
        submission = api.submit()
        api.session.submitted(submission)
        api.session.to_rating()
        api.rate(Rating.SATISFIED, "")
        references.append(submission.reference)
        api.reset_session()
    kiosk_id = assembly.config.kiosk.id
    assert references == [f"{kiosk_id}-000001", f"{kiosk_id}-000002"]
    rows = outbox._db.execute("SELECT kind, reference FROM outbox ORDER BY seq").fetchall()
    assert [(r["kind"], r["reference"]) for r in rows] == [
        ("application", references[0]), ("rating", references[0]),
        ("application", references[1]), ("rating", references[1])]
