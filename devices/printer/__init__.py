"""ESC/POS slip printing."""

from devices.printer.mock import MockPrinter
from devices.printer.printer import PrintError, SlipPrinter
from devices.printer.render import render_slip
from devices.printer.slip import Slip

__all__ = ["MockPrinter", "PrintError", "Slip", "SlipPrinter", "render_slip"]
