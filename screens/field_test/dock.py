"""The field-test dock along the bottom of a journey screen: demo cards for the mock
reader, and codes for the mock camera. It talks only to ``api.field_test``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Static

from kiosk.field_test import PICKUP_KINDS, FieldTest
from kiosk.i18n import Translator

if TYPE_CHECKING:
    from screens.app import KioskApp


@dataclass
class DemoCasesAdded(Message):
    """Approved demo cases the embedded platform just made (the cabinet screen offers
    them for loading)."""

    references: list[str]


class FieldTestDock(Vertical):
    """``cards``: the demo deck and "remove"; ``eid``: an e-ID and an unrelated code;
    ``pickup``: genuine, altered, forged and expired pickup codes; ``doors``: the mock
    cabinet's doors (push shut, jam, leave the next one open); ``demo_cases``: approved
    demo cases to load. Each group is a row of its
    own when there are several (the pickup screen of a kiosk with a cabinet)."""

    def __init__(self, field_test: FieldTest, *, cards: bool = False, eid: bool = False,
                 pickup: bool = False, doors: bool = False, demo_cases: bool = False) -> None:
        super().__init__(id="field-test")
        self.field_test = field_test
        self.cards, self.eid, self.pickup, self.doors = cards, eid, pickup, doors
        self.demo_cases = demo_cases

    def compose(self) -> ComposeResult:
        t = cast("KioskApp", self.app).t
        rows = [row for row in self.rows(t) if row]
        for n, row in enumerate(rows):
            with Horizontal(classes="sim-row"):
                yield Static(t("sim.heading") if n == 0 else "", classes="sim-label")
                yield from row

    def rows(self, t: Translator) -> list[list[Button]]:
        ft = self.field_test
        cards, codes, doors = [], [], []
        if self.cards and ft.reader is not None:
            cards = [Button(label, id=f"sim-card-{n}", classes="sim")
                     for n, label in enumerate(ft.card_labels())]
            cards.append(Button(t("sim.remove_card"), id="sim-remove", classes="sim"))
        if self.eid and ft.camera is not None:
            codes += [Button(t("sim.show_eid"), id="sim-eid", classes="sim"),
                      Button(t("sim.show_junk"), id="sim-junk", classes="sim")]
        if self.pickup and ft.can_show_pickup_codes:
            codes += [Button(t(f"sim.pickup_{kind}"), id=f"sim-pickup-{kind}", classes="sim")
                      for kind in PICKUP_KINDS]
        if self.doors and ft.cabinet is not None:
            if self.demo_cases and ft.can_add_demo_cases:
                doors.append(Button(t("sim.demo_cases"), id="sim-demo-cases", classes="sim"))
            doors += [Button(t("sim.close_doors"), id="sim-close-doors", classes="sim"),
                     Button(t("sim.leave_open"), id="sim-leave-open", classes="sim"),
                     Button(t("sim.jam"), id="sim-jam", classes="sim"),
                     Button(t("sim.unjam"), id="sim-unjam", classes="sim")]
        if cards and codes and not self.pickup:  # the e-ID beside the cards: one row
            return [cards + codes, doors]
        return [cards, codes, doors]

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()  # the journey screen underneath never sees a field-test button
        button_id = event.button.id or ""
        ft = self.field_test
        if button_id.startswith("sim-card-"):
            ft.place_card(int(button_id.removeprefix("sim-card-")))
        elif button_id == "sim-remove":
            ft.remove_card()
        elif button_id == "sim-eid":
            ft.show_eid()
        elif button_id == "sim-junk":
            ft.show_unrelated_code()
        elif button_id.startswith("sim-pickup-"):
            ft.show_pickup_code(button_id.removeprefix("sim-pickup-"))
        elif button_id == "sim-demo-cases":
            self.post_message(DemoCasesAdded(ft.add_demo_cases()))
        elif button_id == "sim-close-doors":
            ft.close_doors()
        elif button_id == "sim-leave-open":
            ft.leave_next_door_open()
        elif button_id in ("sim-jam", "sim-unjam"):
            ft.jam_doors(button_id == "sim-jam")
