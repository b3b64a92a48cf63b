"""Staff and the slip journal through the screens: paper out mid-job, test print after
loading paper, reprints marked COPY, printer faults said in words."""

from __future__ import annotations

from textual.widgets import Input, Static

from devices.printer import PrinterState
from kiosk.slips import demo_slip
from screens.app import KioskApp
from screens.home import HomeScreen
from tests.support.kiosk_driver import (
    apply_to_done,
    mock_camera,
    mock_printer,
    on_screen,
    screen_text,
    slip_text,
    staff_sign_in,
    tap,
    until,
)
from wiring.assembly import Assembly


async def test_paper_out_mid_job_then_load_paper_test_print_and_reprint(
        assembly: Assembly) -> None:
    printer = mock_printer(assembly)
    printer.run_out_after(200)  # the roll ends during the citizen's slip
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await apply_to_done(app, pilot, "marriage-record-proof", 0)
        submission = app.session.submission
        assert submission is not None
        reference = submission.reference
        await until(lambda: "凭条未能打印（缺纸）" in screen_text(app))
        assert printer.jobs() == []  # only a .partial: the slip is not in anyone's hand
        app.reset_session()
        await on_screen(pilot, HomeScreen)
        await staff_sign_in(pilot)
        await until(lambda: "未确认打印的凭条：1 张" in screen_text(app))
        printer.load_paper()  # staff follow the walk-through on screen
        await tap(pilot, "#staff-test-print")
        await until(lambda: "测试页：已打印" in screen_text(app))
        await tap(pilot, "#staff-reprint")
        await until(lambda: f"{reference}：已打印" in screen_text(app))
        copy = slip_text(printer.jobs()[-1].read_bytes())
        assert "副本 第1次补打" in copy and reference in copy
        assert "310104198506121230" not in copy and "张伟" not in copy
        last = assembly.store.journal.last()
        assert last is not None and last.reference == reference


async def test_reprint_says_when_the_printer_cannot(assembly: Assembly) -> None:
    printer = mock_printer(assembly)
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await apply_to_done(app, pilot, "marriage-record-proof", 0)
        await until(lambda: "凭条已打印" in screen_text(app))
        app.reset_session()
        await on_screen(pilot, HomeScreen)
        await staff_sign_in(pilot)
        printer.set_state(PrinterState.COVER_OPEN)
        await tap(pilot, "#staff-reprint")
        await until(lambda: "未能打印（纸仓盖未关）" in screen_text(app))


async def test_staff_drive_the_mock_printer(assembly: Assembly) -> None:
    printer = mock_printer(assembly)
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        await staff_sign_in(pilot)
        await tap(pilot, "#printer-cover_open")
        assert printer.state is PrinterState.COVER_OPEN
        await until(lambda: "✖ 打印机：纸仓盖未关" in screen_text(app))
        await tap(pilot, "#printer-load")
        await until(lambda: "● 打印机：正常" in screen_text(app))
        await tap(pilot, "#printer-run-out")
        await tap(pilot, "#staff-test-print")
        await until(lambda: "测试页：未能打印（缺纸）" in screen_text(app))


async def test_only_copies_that_printed_are_counted(assembly: Assembly) -> None:
    """Issue 13, item 9: a reprint that failed is not a copy; a copy that printed
    clears the slip from the unconfirmed count."""
    printer = mock_printer(assembly)
    printer.run_out_after(200)
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await apply_to_done(app, pilot, "marriage-record-proof", 0)
        await until(lambda: "凭条未能打印（缺纸）" in screen_text(app))
        app.reset_session()
        await on_screen(pilot, HomeScreen)
        await staff_sign_in(pilot)
        await tap(pilot, "#staff-reprint")  # still out of paper
        await until(lambda: "未能打印" in screen_text(app))
        printer.load_paper()
        await tap(pilot, "#staff-reprint")
        await until(lambda: "未确认打印的凭条：0 张" in screen_text(app))
        copy = slip_text(printer.jobs()[-1].read_bytes())
        assert "副本 第1次补打" in copy
        last = assembly.store.journal.last()
        assert last is not None and last.copies == 1
        assert "已补打 1 次" in screen_text(app)


async def test_staff_find_a_slip_by_reference_typed_or_scanned_and_reprint_it(
        assembly: Assembly) -> None:
    """Issue 13, item 11: not only the last slip; the copy is counted once it printed."""
    printer = mock_printer(assembly)
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await apply_to_done(app, pilot, "marriage-record-proof", 0)
        submission = app.session.submission
        assert submission is not None and submission.reference.endswith("-000001")
        await until(lambda: "凭条已打印" in screen_text(app))
        assembly.api.print_slip(demo_slip())  # a later slip: the wanted one is not the last
        app.reset_session()
        await on_screen(pilot, HomeScreen)
        await staff_sign_in(pilot)
        await tap(pilot, "#slip-reference")
        for key in ("#key-9", "#key-back", "#key-1"):  # a slip from here: its case number
            await tap(pilot, f"#slip-keypad {key}")
        await tap(pilot, "#slip-find")
        found = app.screen.query_one("#slip-found", Static)
        await until(lambda: "已补打 0 次" in str(found.render()))
        assert f"受理编号：{submission.reference}" in str(found.render())
        assert "事项：婚姻登记记录证明" in str(found.render())
        jobs = len(printer.jobs())
        await tap(pilot, "#slip-reprint")
        await until(lambda: "已补打 1 次" in str(found.render()))
        assert f"{submission.reference}：已打印" in screen_text(app)
        assert len(printer.jobs()) == jobs + 1
        copy = slip_text(printer.jobs()[-1].read_bytes())
        assert "副本 第1次补打" in copy and submission.reference in copy
        last = assembly.store.journal.last()  # the last slip is untouched
        assert last is not None and (last.reference, last.copies) == (demo_slip().reference, 0)

        mock_camera(assembly).show(f"REF:{demo_slip().reference}")  # the slip's QR code
        await until(lambda: f"受理编号：{demo_slip().reference}" in str(found.render()))
        assert app.screen.query_one("#slip-reference", Input).value == demo_slip().reference

        app.screen.query_one("#slip-reference", Input).value = "999"
        await tap(pilot, "#slip-reprint")
        await until(lambda: "本机没有受理编号为 XH-CCB-0001-000999 的凭条" in screen_text(app))
        assert len(printer.jobs()) == jobs + 1
