"""ESC/POS slip printing: the renderer, the real driver with status checks, the mock printer."""

from devices.printer.driver import EscposSlipPrinter, PrinterSpec
from devices.printer.mock_device import MockPrinterDevice
from devices.printer.printer import PrintError, SlipPrinter
from devices.printer.render import render_slip
from devices.printer.status import PrinterState

__all__ = ["EscposSlipPrinter", "MockPrinterDevice", "PrintError", "PrinterSpec", "PrinterState",
           "SlipPrinter", "render_slip"]
