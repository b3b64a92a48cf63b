"""取件柜开门: the platform released a case's goods; the screen names the door in large
digits and where it is, opens it, and waits for it to be closed. Several compartments
(a card collecting two cases) open one after another. A door that does not open, or is
not closed in time, is already on the staff's cabinet screen when the person is told
what to do."""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Digits, Static

from kiosk.cabinet import CompartmentView, DoorAnswer
from screens.base import KioskScreen
from screens.field_test.dock import FieldTestDock


@dataclass
class DoorOpened(Message):
    answer: DoorAnswer


@dataclass
class DoorClosed(Message):
    number: int
    closed: bool


class DoorScreen(KioskScreen):
    prompt_key = "speech.screen.door"
    CSS_PATH = "door.tcss"

    def __init__(self, views: list[CompartmentView]) -> None:
        super().__init__()
        self.views = views
        self.index = 0
        self.notes: list[str] = []

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(id="door"):
            yield Static(t("door.title"), classes="title")
            with Horizontal(id="door-sign"):
                yield Static(t("door.number_label"), id="door-label")
                yield Digits("", id="door-number")
            yield Static("", id="door-where", classes="prompt")
            yield Static("", id="door-status", classes="prompt")
            yield Static("", id="door-count")
            yield Static("", id="door-notes", classes="problem")
            with Horizontal(classes="nav-row"):
                yield Button(t("common.home"), id="home", classes="nav")
        field_test = self.api.field_test
        if field_test is not None and field_test.cabinet is not None:
            yield FieldTestDock(field_test, doors=True)
        yield from self.compose_status()

    def on_mount(self) -> None:
        self.show_current()

    def show_current(self) -> None:
        t, view = self.t, self.views[self.index]
        place = view.compartment
        self.query_one("#door-number", Digits).update(place.label)
        self.query_one("#door-where", Static).update(
            t("door.where", column=place.column, row=place.row))
        count = self.query_one("#door-count", Static)
        count.update(t("door.count", n=self.index + 1, total=len(self.views)))
        count.display = len(self.views) > 1
        self.speak_result("speech.door", number=place.label,
                          where=t("door.where", column=place.column, row=place.row))
        self.status(t("door.opening"))
        self.open_door(view.number)

    def status(self, text: str, problem: bool = False) -> None:
        line = self.query_one("#door-status", Static)
        line.set_class(problem, "problem")
        line.update(text)
        self.speak_result("speech.shown", text=text)

    def note_and_go_on(self, text: str) -> None:
        """A door's problem stays on screen; the next compartment still opens."""
        if self.index + 1 >= len(self.views):
            self.status(text, problem=True)
            return
        self.notes.append(f"{self.views[self.index].compartment.label}: {text}")
        self.query_one("#door-notes", Static).update("\n".join(self.notes))
        self.index += 1
        self.show_current()

    @work(thread=True, exclusive=True, group="door")
    def open_door(self, number: int) -> None:
        self.post_message(DoorOpened(self.api.cabinet_open(number)))

    @work(thread=True, exclusive=True, group="door")
    def wait_closed(self, number: int) -> None:
        self.post_message(DoorClosed(number, self.api.cabinet_finish_release(number)))

    def on_door_opened(self, message: DoorOpened) -> None:
        answer, t = message.answer, self.t
        if not answer.opened:
            # The redemption stands and the goods stay inside: staff hand them over.
            self.note_and_go_on(t(f"door.problem_{answer.problem}"))
            return
        self.status(t("door.open"))
        assert answer.view is not None
        self.wait_closed(answer.view.number)

    def on_door_closed(self, message: DoorClosed) -> None:
        t = self.t
        if not message.closed:
            self.note_and_go_on(t("door.left_open"))
            return
        if self.index + 1 < len(self.views):
            self.index += 1
            self.show_current()
            return
        self.status(t("door.done"))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "home":
            self.kiosk.reset_session()
