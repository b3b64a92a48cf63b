"""The staff screen: every device's state with the detail staff need, reprints (the last
slip, or any slip by its reference, typed on the keypad or scanned from the slip), and,
when the ID card reader is mocked, the field-test controls that drive it."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Static

from contracts.errors import CodeError
from kiosk.api import FoundSlip
from kiosk.cabinet import CompartmentState
from kiosk.printing import PrintResult
from kiosk.progress import ProgressAnswer
from kiosk.scanned_codes import ReferenceCode
from screens.base import StaffArea
from screens.cabinet_staff import CabinetStaffScreen
from screens.field_test.idcard_panel import IdCardTestPanel
from screens.field_test.printer_panel import PrinterTestPanel
from screens.keypad import Keypad
from screens.progress_words import ProgressWords
from screens.qr_watch import QrRead, QrScreen
from screens.queue_panel import QueuePanel
from screens.ratings_panel import RatingsPanel
from screens.service_staff import ServiceStaffScreen
from screens.status_bar import SYMBOLS


@dataclass
class SlipFound(Message):
    reference: str
    found: FoundSlip | None


@dataclass
class ProgressFound(Message):
    reference: str
    answer: ProgressAnswer


class StaffScreen(StaffArea, QrScreen):
    def compose(self) -> ComposeResult:
        t = self.t
        field_test = self.api.field_test
        scroll = VerticalScroll(id="staff")
        # A tap on a keypad key would focus the scroll (the nearest focusable) and the key
        # would have no input to type into; tab still brings what it focuses into view.
        scroll.can_focus = False
        with scroll:
            yield Static(t("staff.title"), classes="title")
            yield Static("", id="device-table")
            if self.api.has_cabinet:
                with Horizontal(id="cabinet-entry"):
                    yield Static("", id="cabinet-summary")
                    yield Button(t("staff.cabinet_button"), id="staff-cabinet")
            yield Static(t("staff.print_heading"), classes="subtitle")
            yield Static(t("staff.paper_steps"), id="paper-steps")
            yield Static("", id="journal")
            with Horizontal(id="print-actions"):
                yield Button(t("staff.test_print"), id="staff-test-print", variant="primary")
                yield Button(t("staff.reprint"), id="staff-reprint")
            yield Static("", id="print-result")
            yield Static(t("staff.find_heading"), classes="subtitle")
            with Horizontal(id="slip-lookup"):
                with Vertical(id="slip-entry"):
                    yield Static(t("staff.find_prompt"), classes="label")
                    yield Input(id="slip-reference", max_length=40, restrict=r"[A-Za-z0-9-]*",
                                placeholder="XH-CCB-0001-000042")
                    with Horizontal(id="slip-actions"):
                        yield Button(t("staff.find"), id="slip-find", variant="primary")
                        yield Button(t("staff.reprint_found"), id="slip-reprint")
                    yield Static("", id="slip-found")
                    yield Static("", id="case-progress")
                yield Keypad(id="slip-keypad")
            yield QueuePanel(id="queue-panel")
            yield RatingsPanel(id="ratings-panel")
            if field_test is not None and field_test.printer is not None:
                yield PrinterTestPanel(field_test.printer, id="printer-panel")
            if field_test is not None and field_test.reader is not None:
                yield IdCardTestPanel(field_test.reader, id="idcard-panel")
        with Horizontal(classes="nav-row"):  # outside the scroll: always on screen
            yield Button(t("staff.leave"), id="staff-leave", classes="nav")
            yield Button(t("oos_staff.button"), id="staff-outages", classes="nav")
        yield from self.compose_status()

    def on_mount(self) -> None:
        super().on_mount()  # the QR scanner: a slip's code fills the reference box
        self.refresh_devices()
        self.refresh_journal()
        self.set_interval(0.5, self.refresh_devices)

    def refresh_devices(self) -> None:
        t = self.t
        lines = []
        for name, status in self.api.device_statuses().items():
            line = t("staff.device_line", symbol=SYMBOLS[status.level],
                     device=t(f"device.{name}"), state=t(f"device.{status.code}"))
            # Why, translated, and where (port, errno name, status byte) as is; the
            # driver's English detail is for the log.
            more = [t(f"device_cause.{status.cause}")] if status.cause else []
            if status.where:
                more.append(status.where)
            if more:
                line += t("staff.device_more", detail=" ".join(more))
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
        if self.api.has_cabinet:
            views = self.api.cabinet_view()
            summary = t("staff.cabinet_summary",
                        loaded=sum(1 for v in views if v.state is CompartmentState.LOADED),
                        empty=sum(1 for v in views if v.state is CompartmentState.EMPTY),
                        faults=sum(1 for v in views if v.state is CompartmentState.FAULT))
            self.app.call_from_thread(self.query_one("#cabinet-summary", Static).update,
                                      summary)

    # -- a slip by its reference ---------------------------------------------------------
    def on_qr_read(self, message: QrRead) -> None:
        code = self.read_code(message.payload)
        if isinstance(code, ReferenceCode):
            self.query_one("#slip-reference", Input).value = code.reference
            self.find_slip()
        else:  # a staff screen has no use for a person's or a pickup code
            key = code.key if isinstance(code, CodeError) else "staff.find_not_a_slip"
            self.query_one("#slip-found", Static).update(self.t(key))

    def typed_reference(self) -> str | None:
        """The box's reference; says so and answers None when it holds none."""
        entry = self.query_one("#slip-reference", Input)
        entry.focus()  # the keypad types into it again after a button took the focus
        reference = self.api.slip_reference(entry.value)
        if reference is None:
            self.query_one("#slip-found", Static).update(self.t("staff.find_bad_reference"))
        return reference

    @on(Input.Submitted, "#slip-reference")
    @on(Button.Pressed, "#slip-find")
    def find_slip(self) -> None:
        if (reference := self.typed_reference()) is not None:
            self.load_slip(reference)

    @on(Button.Pressed, "#slip-reprint")
    def reprint_slip(self) -> None:
        if (reference := self.typed_reference()) is not None:
            self.kiosk.reprint(reference)

    @work(thread=True, exclusive=True, group="slip")
    def load_slip(self, reference: str) -> None:
        self.post_message(SlipFound(reference, self.api.find_slip(reference)))
        # The case's timeline with it, as the citizen's lookup shows it (the platform's,
        # else what this kiosk last heard).
        self.post_message(ProgressFound(reference, self.api.progress_by_reference(reference)))

    def on_progress_found(self, message: ProgressFound) -> None:
        t, answer = self.t, message.answer
        words = ProgressWords(t, self.api)
        if not answer.cases:
            text = t("staff.progress_none" if answer.online else "staff.progress_offline",
                     reference=message.reference)
        else:
            case = answer.cases[0]
            note = words.source_note(case)
            text = words.timeline(case) + (f"\n{note}" if note else "")
        self.query_one("#case-progress", Static).update(text)

    def on_slip_found(self, message: SlipFound) -> None:
        t, found = self.t, message.found
        if found is None:
            text = t("staff.find_unknown", reference=message.reference)
        else:
            entry = found.entry
            item = self.api.catalog.name_of(found.item_id, t.lang) if found.item_id else (
                entry.slip.rows[0][1] if entry.slip.rows else t("staff.none"))
            text = t("staff.find_found", reference=entry.reference, item=item,
                     when=entry.created_at[:16].replace("T", " "),
                     state=t(f"staff.slip_{entry.state}"), copies=entry.copies)
        self.query_one("#slip-found", Static).update(text)

    def show_print_result(self, result: PrintResult | None, test: bool,
                          reference: str | None = None) -> None:
        t = self.t
        if result is None and reference is not None:
            text = t("staff.find_unknown", reference=reference)
        elif result is None:
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
        if reference is not None:
            self.load_slip(reference)  # its copy count, now that the copy is out

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "staff-leave":
            self.kiosk.reset_session()
        elif event.button.id == "staff-reprint":
            self.kiosk.reprint_last()
        elif event.button.id == "staff-test-print":
            self.kiosk.test_print()
        elif event.button.id == "staff-cabinet":
            self.app.push_screen(CabinetStaffScreen())
        elif event.button.id == "staff-outages":
            self.app.push_screen(ServiceStaffScreen())
