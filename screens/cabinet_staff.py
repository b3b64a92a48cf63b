"""取件柜管理 (staff): every compartment's state, loading cases into it (typed, or scanned
from their slips; several at once, one door after another), taking goods back out, and
what needs staff: jammed doors, doors left open, goods owed to a citizen, goods
uncollected for days. The journal's last lines show what the doors did."""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Static

from contracts.errors import CodeError
from kiosk.cabinet import (
    CabinetEvent,
    CompartmentState,
    CompartmentView,
    DoorAnswer,
    LoadAnswer,
)
from kiosk.cabinet_layout import Size
from kiosk.scanned_codes import ReferenceCode
from screens.base import StaffArea
from screens.field_test.dock import DemoCasesAdded, FieldTestDock
from screens.keypad import Keypad
from screens.qr_watch import QrRead, QrScreen

CELL = 18  # characters per compartment in the grid
SHOWN_EVENTS = 8


@dataclass
class CabinetState(Message):
    views: list[CompartmentView]
    uncollected: list[CompartmentView]
    events: list[CabinetEvent]


@dataclass
class DoorStep(Message):
    """A door opened (or not) for staff: ``load`` or ``empty``."""

    purpose: str
    reference: str
    answer: DoorAnswer


@dataclass
class LoadFinished(Message):
    reference: str
    answer: LoadAnswer


@dataclass
class EmptyFinished(Message):
    number: int
    closed: bool


class CabinetStaffScreen(StaffArea, QrScreen):
    CSS_PATH = "cabinet_staff.tcss"

    def __init__(self) -> None:
        super().__init__()
        self.size_choice = Size.SMALL

    def compose(self) -> ComposeResult:
        t = self.t
        scroll = VerticalScroll(id="cabinet-staff")
        scroll.can_focus = False  # keypad taps type into the box, not the scroll
        with scroll:
            yield Static(t("cabinet.title"), classes="title")
            yield Static("", id="cabinet-grid")
            yield Static("", id="cabinet-alerts", classes="problem")
            with Horizontal(id="cabinet-work"):
                with Vertical(id="cabinet-forms"):
                    yield Static(t("cabinet.load_heading"), classes="subtitle")
                    yield Static(t("cabinet.load_prompt"), classes="label")
                    yield Input(id="load-references", max_length=200,
                                restrict=r"[A-Za-z0-9 ,-]*", placeholder="000042 000043")
                    with Horizontal(id="load-sizes"):
                        for size in Size:
                            yield Button(t(f"cabinet.size_{size.value}"),
                                         id=f"size-{size.value}", classes="size")
                        yield Button(t("cabinet.load"), id="load", variant="primary")
                    yield Static("", id="load-status")
                    yield Static(t("cabinet.empty_heading"), classes="subtitle")
                    yield Static(t("cabinet.empty_prompt"), classes="label")
                    with Horizontal(id="empty-row"):
                        yield Input(id="empty-number", max_length=3, restrict=r"[0-9]*",
                                    placeholder="07")
                        yield Button(t("cabinet.empty_uncollected"), id="empty-uncollected")
                        yield Button(t("cabinet.empty_mistake"), id="empty-mistake")
                    yield Static("", id="empty-status")
                yield Keypad(id="cabinet-keypad")
            yield Static(t("cabinet.events_heading"), classes="subtitle")
            yield Static("", id="cabinet-events")
        with Horizontal(classes="nav-row"):
            yield Button(t("common.back"), id="back", classes="nav")
        field_test = self.api.field_test
        if field_test is not None and field_test.cabinet is not None:
            yield FieldTestDock(field_test, doors=True, demo_cases=True)
        yield from self.compose_status()

    def on_mount(self) -> None:
        super().on_mount()  # the QR scanner: a slip's code adds its reference to the box
        self.choose_size(Size.SMALL)
        self.refresh_cabinet()
        self.set_interval(2.0, self.refresh_cabinet)

    # -- what the cabinet holds --------------------------------------------------------
    @work(thread=True, exclusive=True, group="cabinet-view")
    def refresh_cabinet(self) -> None:
        api = self.api
        self.post_message(CabinetState(api.cabinet_view(), api.cabinet_uncollected(),
                                       api.cabinet_events(SHOWN_EVENTS)))

    def on_cabinet_state(self, message: CabinetState) -> None:
        self.query_one("#cabinet-grid", Static).update(self.grid(message.views))
        self.query_one("#cabinet-alerts", Static).update(
            self.alerts(message.views, message.uncollected))
        self.query_one("#cabinet-events", Static).update("\n".join(
            self.t("cabinet.event_line", at=self.api.shown_time(e.at), number=f"{e.number:02d}",
                   event=self.t(f"cabinet.event.{e.event}"), reference=e.reference or "-")
            for e in message.events) or self.t("cabinet.events_none"))

    def grid(self, views: list[CompartmentView]) -> str:
        """Columns and rows as staff face the cabinet."""
        if not views:
            return self.t("cabinet.none")
        columns = max(v.compartment.column for v in views)
        rows = max(v.compartment.row for v in views)
        at = {(v.compartment.column, v.compartment.row): v for v in views}
        lines = []
        for row in range(1, rows + 1):
            cells = [self.cell(at[(c, row)]) if (c, row) in at else "" for c in
                     range(1, columns + 1)]
            # Padded by the cells a character takes on screen (a Chinese one takes two).
            lines.append("".join(cell + " " * (CELL - cell_len(cell)) for cell in cells)
                         .rstrip())
        return "\n".join(lines)

    def cell(self, view: CompartmentView) -> str:
        t = self.t
        state = (t(f"cabinet.fault.{view.fault}") if view.fault is not None
                 else t(f"cabinet.state.{view.state}"))
        if view.state is CompartmentState.LOADED and not view.confirmed:
            state = t("cabinet.state.unconfirmed")
        mark = "⚠" if view.state is CompartmentState.FAULT else (
            "■" if view.reference else "□")
        return f"{mark}{view.compartment.label}{view.compartment.size.value} {state}"

    def alerts(self, views: list[CompartmentView], uncollected: list[CompartmentView]) -> str:
        t = self.t
        lines = [t("cabinet.alert_fault", number=v.compartment.label,
                   fault=t(f"cabinet.fault.{v.fault}"), reference=v.reference or "-",
                   since=self.api.shown_time(v.since),
                   what=t(f"cabinet.fault_what.{v.fault}"))
                 for v in views if v.state is CompartmentState.FAULT and v.fault is not None]
        lines += [t("cabinet.alert_uncollected", number=v.compartment.label,
                    reference=v.reference or "-", since=self.api.shown_time(v.since))
                  for v in uncollected]
        return "\n".join(lines)

    # -- loading -------------------------------------------------------------------------
    def on_qr_read(self, message: QrRead) -> None:
        code = self.read_code(message.payload)
        if isinstance(code, ReferenceCode):
            box = self.query_one("#load-references", Input)
            if code.reference not in box.value.split():
                box.value = f"{box.value} {code.reference}".strip()
        else:
            key = code.key if isinstance(code, CodeError) else "cabinet.not_a_slip"
            self.query_one("#load-status", Static).update(self.t(key))

    def on_demo_cases_added(self, message: DemoCasesAdded) -> None:
        box = self.query_one("#load-references", Input)
        added = [r for r in message.references if r not in box.value.split()]
        box.value = " ".join([*box.value.split(), *added])
        self.query_one("#load-status", Static).update(
            self.t("cabinet.demo_cases", count=len(message.references)))

    def choose_size(self, size: Size) -> None:
        self.size_choice = size
        for choice in Size:
            self.query_one(f"#size-{choice.value}", Button).variant = (
                "success" if choice is size else "default")

    @on(Button.Pressed, ".size")
    def size_pressed(self, event: Button.Pressed) -> None:
        self.choose_size(Size((event.button.id or "size-S").removeprefix("size-")))

    @on(Input.Submitted, "#load-references")
    @on(Button.Pressed, "#load")
    def start_loading(self) -> None:
        box = self.query_one("#load-references", Input)
        typed = box.value.replace(",", " ").split()
        references = [r for text in typed if (r := self.api.cabinet_reference(text))]
        status = self.query_one("#load-status", Static)
        if not typed or len(references) != len(typed):
            status.update(self.t("cabinet.bad_reference"))
            return
        box.value = ""
        self.query_one("#load", Button).disabled = True
        status.update(self.t("cabinet.opening"))
        self.load(references, self.size_choice)

    @work(thread=True, exclusive=True, group="cabinet-door")
    def load(self, references: list[str], size: Size) -> None:
        """One door after another: the next opens once the last is closed."""
        api = self.api
        for reference in references:
            answer = api.cabinet_load(reference, size)
            self.post_message(DoorStep("load", reference, answer))
            if answer.opened and answer.view is not None:
                self.post_message(LoadFinished(reference,
                                               api.cabinet_finish_load(answer.view.number)))
        self.post_message(DoorStep("load_done", "", DoorAnswer(None)))

    def on_door_step(self, message: DoorStep) -> None:
        t, answer = self.t, message.answer
        if message.purpose == "load_done":
            self.query_one("#load", Button).disabled = False
            self.refresh_cabinet()
            return
        label = answer.view.compartment.label if answer.view else "-"
        key = (f"cabinet.{message.purpose}_open" if answer.opened
               else f"cabinet.problem.{answer.problem}")
        text = t(key, number=label, reference=message.reference)
        target = "#load-status" if message.purpose == "load" else "#empty-status"
        self.query_one(target, Static).update(text)
        self.refresh_cabinet()

    def on_load_finished(self, message: LoadFinished) -> None:
        answer = message.answer
        label = answer.view.compartment.label if answer.view else "-"
        text = self.t(f"cabinet.loaded_{answer.outcome}", number=label,
                      reference=message.reference,
                      reason=self.t(f"cabinet.refusal.{answer.reason}") if answer.reason else "")
        self.query_one("#load-status", Static).update(text)
        self.refresh_cabinet()

    # -- emptying ------------------------------------------------------------------------
    @on(Button.Pressed, "#empty-uncollected")
    @on(Button.Pressed, "#empty-mistake")
    def start_emptying(self, event: Button.Pressed) -> None:
        typed = self.query_one("#empty-number", Input).value.strip()
        status = self.query_one("#empty-status", Static)
        if not typed.isdigit():
            status.update(self.t("cabinet.bad_number"))
            return
        reason = (event.button.id or "").removeprefix("empty-")
        status.update(self.t("cabinet.opening"))
        self.empty(int(typed), reason)

    @work(thread=True, exclusive=True, group="cabinet-door")
    def empty(self, number: int, reason: str) -> None:
        api = self.api
        answer = api.cabinet_empty(number, reason)
        reference = (answer.view.reference or "") if answer.view else ""
        self.post_message(DoorStep("empty", reference, answer))
        if answer.opened:
            self.post_message(EmptyFinished(number, api.cabinet_finish_empty(number)))

    def on_empty_finished(self, message: EmptyFinished) -> None:
        key = "cabinet.emptied" if message.closed else "cabinet.problem.left_open"
        self.query_one("#empty-status", Static).update(
            self.t(key, number=f"{message.number:02d}", reference=""))
        self.refresh_cabinet()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "back":
            self.app.pop_screen()
