"""Our ESC/POS stream back into a picture of the slip, for field tests and review.

It interprets the commands the renderer uses, as a 203 dpi thermal printer
would: ``ESC @``, ``ESC a`` (alignment), ``GS !`` (character size), ``FS &`` /
``FS .`` (GB18030 Chinese mode), ``GS ( k`` (store and print a QR code),
``GS v 0`` (a raster image: the QR code of a printer without native QR),
``ESC d`` (feed), ``GS V`` (cut), and text. A half-width character is 12x24
dots and a Han character 24x24: 48 columns on 80 mm paper (576 dots), 32 on
58 mm (384). Anything else is a PreviewError: the preview is for our slips.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

from devices.printer.layout import display_width

DOTS = {58: 384, 80: 576}
CELL_W, CELL_H = 12, 24
MARGIN = 16
_EC = {48: ERROR_CORRECT_L, 49: ERROR_CORRECT_M, 50: ERROR_CORRECT_Q, 51: ERROR_CORRECT_H}
# Fonts .ci/run installs (fonts-droid-fallback for Han, fonts-dejavu-core for the
# half-width characters, as a printer's built-in font has both) and alternatives.
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)
MONO_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansMono-Regular.ttf",
)


class PreviewError(ValueError):
    """A byte stream this preview does not understand."""


def find_mono_font() -> Path | None:
    """A font for the half-width characters (the CJK font may have none)."""
    return next((Path(c) for c in MONO_CANDIDATES if Path(c).is_file()), None)


def find_cjk_font() -> Path:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    if shutil.which("fc-match"):
        found = subprocess.run(["fc-match", ":lang=zh", "-f", "%{file}"], capture_output=True,
                               text=True, check=False).stdout.strip()
        if found and Path(found).is_file():
            return Path(found)
    raise PreviewError("no CJK font found: install fonts-droid-fallback (apt) or Noto CJK")


@dataclass
class _Line:
    pieces: list[tuple[str, int, int]] = field(default_factory=list)  # text, width x, height x
    align: int = 0


class _Canvas:
    def __init__(self, paper_mm: int, font_path: Path) -> None:
        self.width = DOTS[paper_mm]
        self.rows: list[Image.Image] = []
        self.font_path = font_path
        self.mono_path = find_mono_font() or font_path
        self._fonts: dict[tuple[Path, int], ImageFont.FreeTypeFont] = {}

    def font(self, size: int, wide: bool) -> ImageFont.FreeTypeFont:
        path = self.font_path if wide else self.mono_path
        if (path, size) not in self._fonts:
            self._fonts[path, size] = ImageFont.truetype(str(path), size)
        return self._fonts[path, size]

    def text_line(self, line: _Line) -> None:
        height = max((CELL_H * h for _, _, h in line.pieces), default=CELL_H)
        row = Image.new("L", (self.width, height), 255)
        draw = ImageDraw.Draw(row)
        total = sum(display_width(t) * CELL_W * w for t, w, _ in line.pieces)
        x = self._left(total, line.align)
        for text, w, h in line.pieces:
            for ch in text:
                wide = display_width(ch) == 2
                font = self.font(CELL_H * h - 2 if wide else CELL_W * w * 2 - 4, wide)
                draw.text((x, height - CELL_H * h), ch, font=font, fill=0)
                x += display_width(ch) * CELL_W * w
        self.rows.append(row)

    def qr(self, data: bytes, module: int, ec: int, align: int) -> None:
        code = qrcode.QRCode(error_correction=_EC.get(ec, ERROR_CORRECT_M), box_size=module,
                             border=4)
        code.add_data(data)
        code.make(fit=True)
        image = code.make_image().convert("L")
        self._place(image, align)

    def raster(self, bits: bytes, row_bytes: int, rows: int, align: int) -> None:
        image = Image.frombytes("1", (row_bytes * 8, rows), bits)  # 1 bits are ink
        self._place(image.point(lambda v: 0 if v else 255).convert("L"), align)

    def _left(self, width: int, align: int) -> int:
        """Where a line or picture ``width`` dots wide starts: left, centre or right."""
        return max(0, {0: 0, 1: (self.width - width) // 2, 2: self.width - width}.get(align, 0))

    def _place(self, image: Image.Image, align: int) -> None:
        row = Image.new("L", (self.width, image.height), 255)
        row.paste(image, (self._left(image.width, align), 0))
        self.rows.append(row)

    def feed(self, lines: int) -> None:
        if lines:
            self.rows.append(Image.new("L", (self.width, CELL_H * lines), 255))

    def image(self) -> Image.Image:
        height = sum(r.height for r in self.rows) + 2 * MARGIN
        out = Image.new("L", (self.width + 2 * MARGIN, height), 255)
        y = MARGIN
        for row in self.rows:
            out.paste(row, (MARGIN, y))
            y += row.height
        return out


def preview_slip(data: bytes, paper_mm: int = 80, font: Path | None = None) -> Image.Image:
    """A greyscale picture of the slip the printer would print."""
    canvas = _Canvas(paper_mm, font or find_cjk_font())
    line = _Line()
    width, height, align = 1, 1, 0
    chinese = False
    text = bytearray()
    qr_data, qr_module, qr_ec = b"", 3, 49
    i = 0

    def flush_text() -> None:
        if text:
            line.pieces.append((bytes(text).decode("gb18030" if chinese else "ascii",
                                                   errors="strict"), width, height))
            text.clear()

    try:
        while i < len(data):
            byte = data[i]
            if byte == 0x0A:  # LF
                flush_text()
                canvas.text_line(line)
                line = _Line(align=align)
                i += 1
            elif data.startswith(b"\x1b\x40", i):  # ESC @
                width = height = 1
                align, chinese = 0, False
                i += 2
            elif data.startswith(b"\x1b\x61", i):  # ESC a n
                flush_text()
                align = data[i + 2] % 48 if data[i + 2] >= 48 else data[i + 2]
                line.align = align
                i += 3
            elif data.startswith(b"\x1d\x21", i):  # GS ! n
                flush_text()
                n = data[i + 2]
                width, height = (n >> 4) + 1, (n & 0x0F) + 1
                i += 3
            elif data.startswith(b"\x1c\x26", i):  # FS &
                flush_text()
                chinese = True
                i += 2
            elif data.startswith(b"\x1c\x2e", i):  # FS .
                flush_text()
                chinese = False
                i += 2
            elif data.startswith(b"\x1b\x74", i):  # ESC t n: code table (we send GB18030)
                i += 3
            elif data.startswith(b"\x1b\x64", i):  # ESC d n
                canvas.feed(data[i + 2])
                i += 3
            elif data.startswith(b"\x1d\x56", i):  # GS V m [n]
                i += 4 if data[i + 2] in (65, 66) else 3
            elif data.startswith(b"\x1d\x28\x6b", i):  # GS ( k pL pH cn fn ...
                size = data[i + 3] | data[i + 4] << 8
                params = data[i + 5:i + 5 + size]
                if len(params) < size or size < 2:
                    raise PreviewError(f"GS ( k cut short at byte {i}")
                fn = params[1]
                if fn == 0x50:  # store the data
                    qr_data = params[3:]
                elif fn == 0x43:  # module size
                    qr_module = params[2]
                elif fn == 0x45:  # error correction
                    qr_ec = params[2]
                elif fn == 0x51:  # print the stored code
                    canvas.qr(qr_data, qr_module, qr_ec, align)
                i += 5 + size
            elif data.startswith(b"\x1d\x76\x30", i):  # GS v 0 m xL xH yL yH: raster image
                row_bytes = data[i + 4] | data[i + 5] << 8
                rows = data[i + 6] | data[i + 7] << 8
                bits = data[i + 8:i + 8 + row_bytes * rows]
                if len(bits) < row_bytes * rows:
                    raise PreviewError(f"raster image cut short at byte {i}")
                canvas.raster(bits, row_bytes, rows, align)
                i += 8 + row_bytes * rows
            elif byte in (0x1B, 0x1C, 0x1D, 0x10):
                raise PreviewError(f"command {data[i:i + 3].hex(' ')} at byte {i} is not one "
                                   "our slips use")
            else:
                text.append(byte)
                i += 1
    except (IndexError, UnicodeDecodeError) as exc:
        raise PreviewError(f"malformed stream near byte {i}: {exc}") from exc
    flush_text()
    if line.pieces:
        canvas.text_line(line)
    return canvas.image()
