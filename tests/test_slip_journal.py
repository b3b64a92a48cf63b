"""The slip journal: every slip kept before it prints, failures kept for staff, reprints
marked COPY and counted; through the staff screen, a job cut short by paper out is
printed again once paper is loaded."""

from __future__ import annotations

from pathlib import Path

from devices.printer import PrinterState
from kiosk.clock import FakeClock
from kiosk.services import Services
from kiosk.slips import demo_slip
from offline_cache.slip_journal import SlipJournal, SlipState
from offline_cache.store import open_store
from screens.app import KioskApp
from screens.home import HomeScreen
from screens.staff import StaffScreen
from tests.kiosk_driver import apply_to_done, on_screen, screen_text, slip_text, tap, until


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


def test_copies_are_marked_and_counted(tmp_path: Path) -> None:
    slips = journal(tmp_path)
    entry = slips.record(demo_slip())
    first_id, first = slips.copy_of(entry, "副本 第{n}次补打")
    _, second = slips.copy_of(entry, "副本 第{n}次补打")
    assert (first.marker, second.marker) == ("副本 第1次补打", "副本 第2次补打")
    assert first.reference == demo_slip().reference and first_id != entry
    assert [e.copies for e in slips.not_printed() if e.id == entry] == [2]


def test_a_copy_of_an_offline_slip_keeps_both_marks(tmp_path: Path) -> None:
    from dataclasses import replace

    slips = journal(tmp_path)
    entry = slips.record(replace(demo_slip(), marker="离线受理 待确认"))
    _, copy = slips.copy_of(entry, "副本 第{n}次补打")
    assert copy.marker == "副本 第1次补打 · 离线受理 待确认"


async def sign_in(pilot) -> None:
    await pilot.press("f12")
    await pilot.press("2", "4", "6", "8", "enter")
    await on_screen(pilot, StaffScreen)


async def test_paper_out_mid_job_then_load_paper_test_print_and_reprint(
        services: Services) -> None:
    printer = services.hub.simulator.printer
    printer.run_out_after(200)  # the roll ends during the citizen's slip
    app = KioskApp(services, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await apply_to_done(app, pilot, "marriage-record-proof", 0)
        reference = app.session.submission.reference
        await until(lambda: "凭条未能打印（缺纸）" in screen_text(app))
        assert printer.jobs() == []  # only a .partial: the slip is not in anyone's hand
        app.reset_session()
        await on_screen(pilot, HomeScreen)
        await sign_in(pilot)
        await until(lambda: "未确认打印的凭条：1 张" in screen_text(app))
        printer.load_paper()  # staff follow the walk-through on screen
        await tap(pilot, "#staff-test-print")
        await until(lambda: "测试页：已打印" in screen_text(app))
        await tap(pilot, "#staff-reprint")
        await until(lambda: f"{reference}：已打印" in screen_text(app))
        copy = slip_text(printer.jobs()[-1].read_bytes())
        assert "副本 第1次补打" in copy and reference in copy
        assert "310104198506121230" not in copy and "张伟" not in copy
        assert services.journal.last().reference == reference


async def test_reprint_says_when_the_printer_cannot(services: Services) -> None:
    printer = services.hub.simulator.printer
    app = KioskApp(services, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await apply_to_done(app, pilot, "marriage-record-proof", 0)
        await until(lambda: "凭条已打印" in screen_text(app))
        app.reset_session()
        await on_screen(pilot, HomeScreen)
        await sign_in(pilot)
        printer.set_state(PrinterState.COVER_OPEN)
        await tap(pilot, "#staff-reprint")
        await until(lambda: "未能打印（纸仓盖未关）" in screen_text(app))


async def test_staff_drive_the_mock_printer(services: Services) -> None:
    printer = services.hub.simulator.printer
    app = KioskApp(services, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        await sign_in(pilot)
        await tap(pilot, "#printer-cover_open")
        assert printer.state is PrinterState.COVER_OPEN
        await until(lambda: "✖ 打印机：纸仓盖未关" in screen_text(app))
        await tap(pilot, "#printer-load")
        await until(lambda: "● 打印机：正常" in screen_text(app))
        await tap(pilot, "#printer-run-out")
        await tap(pilot, "#staff-test-print")
        await until(lambda: "测试页：未能打印（缺纸）" in screen_text(app))
