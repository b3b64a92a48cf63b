"""The field-test dock along the bottom of a journey screen: demo cards for the mock
reader, and codes for the mock camera. It talks only to ``api.field_test``."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Static

from kiosk.field_test import PICKUP_KINDS, FieldTest

if TYPE_CHECKING:
    from screens.app import KioskApp


class FieldTestDock(Horizontal):
    """``cards``: the demo deck and "remove"; ``eid``: an e-ID and an unrelated code;
    ``pickup``: genuine, altered, forged and expired pickup codes."""

    def __init__(self, field_test: FieldTest, *, cards: bool = False, eid: bool = False,
                 pickup: bool = False) -> None:
        super().__init__(id="field-test")
        self.field_test = field_test
        self.cards, self.eid, self.pickup = cards, eid, pickup

    def compose(self) -> ComposeResult:
        t = cast("KioskApp", self.app).t
        ft = self.field_test
        yield Static(t("sim.heading"), classes="sim-label")
        if self.cards and ft.reader is not None:
            for n, label in enumerate(ft.card_labels()):
                yield Button(label, id=f"sim-card-{n}", classes="sim")
            yield Button(t("sim.remove_card"), id="sim-remove", classes="sim")
        if self.eid and ft.camera is not None:
            yield Button(t("sim.show_eid"), id="sim-eid", classes="sim")
            yield Button(t("sim.show_junk"), id="sim-junk", classes="sim")
        if self.pickup and ft.can_show_pickup_codes:
            for kind in PICKUP_KINDS:
                yield Button(t(f"sim.pickup_{kind}"), id=f"sim-pickup-{kind}", classes="sim")

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
