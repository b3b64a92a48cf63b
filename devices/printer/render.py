"""A slip to ESC/POS bytes, through python-escpos.

Han text goes out as GB18030 between ``FS &`` and ``FS .`` (python-escpos
encodes but does not switch the printer into Chinese mode); sizes with
``GS !``; the QR code with the printer's native ``GS ( k`` (or as an image where the
printer has none).
"""

from __future__ import annotations

import copy

from contracts.slip import Slip
from devices.printer.layout import COLUMNS, display_width, wrap

FS_CHINESE_ON = b"\x1c\x26"
FS_CHINESE_OFF = b"\x1c\x2e"


class _Writer:
    def __init__(self, paper_mm: int) -> None:
        # python-escpos (with its profile database, Pillow, qrcode, barcode) loads with the
        # first slip, not when the kiosk starts.
        from escpos.printer import Dummy

        self.p = Dummy()
        # An image QR needs the paper's width in dots (python-escpos prints a warning to
        # stdout without it); the profile's data is shared, so change a copy.
        data = copy.deepcopy(self.p.profile.profile_data)
        data["media"]["width"]["pixels"] = {58: 384, 80: 576}[paper_mm]
        self.p.profile.profile_data = data

    def text(self, line: str) -> None:
        self.p._raw(FS_CHINESE_ON + line.encode("gb18030") + b"\n" + FS_CHINESE_OFF)

    def size(self, width: int, height: int) -> None:
        # GS ! n with n = (w-1)<<4 | (h-1); python-escpos would send ESC ! for normal size.
        self.p._raw(b"\x1d\x21" + bytes([(width - 1) << 4 | (height - 1)]))


def render_slip(slip: Slip, paper_mm: int = 80, native_qr: bool = True) -> bytes:
    """The slip's ESC/POS bytes. ``native_qr=False`` sends the QR code as a raster image,
    for a printer profile without ``GS ( k``."""
    columns = COLUMNS[paper_mm]
    w = _Writer(paper_mm)
    p = w.p
    p.hw("INIT")  # ESC @
    p.set(align="center")
    if slip.marker:
        w.size(2, 2)
        for line in wrap(slip.marker, columns // 2):
            w.text(line)
    w.size(2, 2)
    for line in wrap(slip.title, columns // 2):
        w.text(line)
    w.size(1, 1)
    w.text(slip.branch)
    w.text("-" * columns)
    p.set(align="left")
    w.text(slip.reference_label)
    w.size(2, 2)
    for line in wrap(slip.reference, columns // 2):
        w.text(line)
    w.size(1, 1)
    for label, value in slip.rows:
        for line in _row(label + slip.label_sep, value, columns):
            w.text(line)
    if slip.notes:
        w.text("-" * columns)
        for note in slip.notes:
            for line in wrap(note, columns):
                w.text(line)
    if slip.qr_payload:
        p.set(align="center")
        p.qr(slip.qr_payload, native=native_qr, size=6, ec=1)
    p.set(align="center")
    w.text(slip.printed_at)
    p.cut()
    return bytes(p.output)


def _row(head: str, value: str, columns: int) -> list[str]:
    """'label: value' on one line when it fits, else the value on its own wrapped lines."""
    if display_width(head) + display_width(value) <= columns:
        return [head + value]
    return [head, *("  " + line for line in wrap(value, columns - 2))]
