"""Field-test controls for the mock printer: its state and paper, changed live; the
real driver sees them through the status queries, as it would on a real printer."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.widgets import Button, Static

from devices.printer import MockPrinterDevice, PrinterState

if TYPE_CHECKING:
    from screens.app import KioskApp

RUN_OUT_AFTER = 200  # bytes into the next job: a slip cut short
_STATES = (PrinterState.PAPER_NEAR_END, PrinterState.PAPER_OUT, PrinterState.COVER_OPEN,
           PrinterState.OFFLINE)


class PrinterTestPanel(Vertical):
    def __init__(self, printer: MockPrinterDevice, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.printer = printer

    def compose(self) -> ComposeResult:
        t = cast("KioskApp", self.app).t
        yield Static(t("staff.printer_mock_heading"), classes="subtitle")
        with Grid(id="printer-faults"):
            for state in _STATES:
                yield Button(t(f"device.{state}"), id=f"printer-{state}", classes="sim")
            yield Button(t("staff.printer_run_out"), id="printer-run-out", classes="sim")
            yield Button(t("staff.printer_load"), id="printer-load", classes="sim")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        name = (event.button.id or "").removeprefix("printer-")
        if name == "run-out":
            self.printer.run_out_after(RUN_OUT_AFTER)
        elif name == "load":
            self.printer.load_paper()
        else:
            self.printer.set_state(PrinterState(name))
        self.app.call_later(cast("KioskApp", self.app).check_devices)
