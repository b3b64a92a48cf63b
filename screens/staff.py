"""The staff screen: every device's state with the detail staff need, and, when the
ID card reader is mocked, the field-test controls that drive it."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Static

from kiosk.printing import PrintResult
from screens.base import StaffArea
from screens.field_test.idcard_panel import IdCardTestPanel
from screens.field_test.printer_panel import PrinterTestPanel
from screens.queue_panel import QueuePanel
from screens.status_bar import SYMBOLS


class StaffScreen(StaffArea):
    def compose(self) -> ComposeResult:
        t = self.t
        field_test = self.api.field_test
        with VerticalScroll(id="staff"):
            yield Static(t("staff.title"), classes="title")
            yield Static("", id="device-table")
            yield Static(t("staff.print_heading"), classes="subtitle")
            yield Static(t("staff.paper_steps"), id="paper-steps")
            yield Static("", id="journal")
            with Horizontal(id="print-actions"):
                yield Button(t("staff.test_print"), id="staff-test-print", variant="primary")
                yield Button(t("staff.reprint"), id="staff-reprint")
            yield Static("", id="print-result")
            yield QueuePanel(id="queue-panel")
            if field_test is not None and field_test.printer is not None:
                yield PrinterTestPanel(field_test.printer, id="printer-panel")
            if field_test is not None and field_test.reader is not None:
                yield IdCardTestPanel(field_test.reader, id="idcard-panel")
        with Horizontal(classes="nav-row"):  # outside the scroll: always on screen
            yield Button(t("staff.leave"), id="staff-leave", classes="nav")
        yield from self.compose_status()

    def on_mount(self) -> None:
        self.refresh_devices()
        self.refresh_journal()
        self.set_interval(0.5, self.refresh_devices)

    def refresh_devices(self) -> None:
        t = self.t
        lines = []
        for name, status in self.api.device_statuses().items():
            line = f"{SYMBOLS[status.level]} {t('device.' + name)}：{t('device.' + status.code)}"
            if status.detail:
                line += f"  ({status.detail})"
            lines.append(line)
        if (reader := self.api.reader_detail()) is not None:
            lines.append(t("staff.idcard_port", port=reader.port, sam=reader.sam_id))
        self.query_one("#device-table", Static).update("\n".join(lines))
        for panel in self.query(IdCardTestPanel):
            panel.refresh_state()

    @work(thread=True, exclusive=True, group="journal")
    def refresh_journal(self) -> None:
        state = self.api.journal_state()
        last, waiting = state.last, state.not_printed
        t = self.t
        text = t("staff.journal_none") if last is None else t(
            "staff.journal_last", reference=last.reference, copies=last.copies,
            state=t(f"staff.slip_{last.state}"))
        text += "\n" + t("staff.not_printed", count=waiting)
        if self.api.ui_faults:
            text += "\n" + t("staff.ui_faults", count=self.api.ui_faults)
        self.app.call_from_thread(self.query_one("#journal", Static).update, text)

    def show_print_result(self, result: PrintResult | None, test: bool) -> None:
        t = self.t
        if result is None:
            text = t("staff.journal_none")
        else:
            label = t("staff.test_page") if test else result.reference
            if result.problem is None:
                text = t("staff.print_ok", what=label)
            else:
                text = t("staff.print_failed", what=label,
                         problem=t(f"device.{result.problem.code}"))
        self.query_one("#print-result", Static).update(text)
        self.refresh_journal()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "staff-leave":
            self.kiosk.reset_session()
        elif event.button.id == "staff-reprint":
            self.kiosk.reprint_last()
        elif event.button.id == "staff-test-print":
            self.kiosk.test_print()
