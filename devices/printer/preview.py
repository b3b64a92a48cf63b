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

import functools
import importlib.util
import shutil
import subprocess
from collections.abc import Iterator
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
# A font is a file and the face in it (a .ttc holds several). Han first: Debian's
# fonts-droid-fallback, the dev extra's Noto Sans CJK (a PyPI package; face 2 is SC,
# Simplified Chinese), then others a system may have. A printer's built-in font has
# half-width characters too: DejaVu Sans Mono, else Noto Sans Mono CJK SC (face 7),
# else the Han font itself.
FONT_PACKAGE = ("noto_cjk_sans_otc", "NotoSansCJK-Regular.ttc")
FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    ("package:", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # face 2: SC
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
)
MONO_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", 0),
    ("/usr/share/fonts/truetype/noto/NotoSansMono-Regular.ttf", 0),
    ("package:", 7),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 1),
)
NO_HAN_FONT = ("no font with Han characters found (the slip would show empty boxes): "
               "pip install noto-cjk-sans-otc, or apt-get install fonts-droid-fallback")


@dataclass(frozen=True)
class Font:
    path: Path
    index: int = 0  # the face in a font collection


class PreviewError(ValueError):
    """A byte stream this preview does not understand, or no font to draw it with."""


def _package_font() -> Path | None:
    """The Han font the dev extra installs, located without importing its package."""
    package, relative = FONT_PACKAGE
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    for location in (spec.submodule_search_locations or []) if spec else []:
        if (Path(location) / relative).is_file():
            return Path(location) / relative
    return None


def _existing(candidates: tuple[tuple[str, int], ...]) -> Iterator[Font]:
    for where, index in candidates:
        path = _package_font() if where == "package:" else Path(where)
        if path is not None and path.is_file():
            yield Font(path, index)


@functools.cache
def draws_han(font: Font) -> bool:
    """Whether the font has a glyph for 中 (a font without one draws its empty box)."""
    try:
        face = ImageFont.truetype(str(font.path), 24, index=font.index)
    except OSError:
        return False
    han, missing = face.getmask("中"), face.getmask("\uffff")  # U+FFFF: never a glyph
    return han.getbbox() is not None and (han.size != missing.size
                                          or list(han) != list(missing))


def find_mono_font() -> Font | None:
    """A font for the half-width characters (the Han font may have none)."""
    return next(_existing(MONO_CANDIDATES), None)


def find_cjk_font() -> Font:
    """A font that draws Han characters; PreviewError when this machine has none."""
    for font in _existing(FONT_CANDIDATES):
        if draws_han(font):
            return font
    if shutil.which("fc-list"):  # only the fonts fontconfig says cover Chinese
        listed = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True,
                                text=True, check=False).stdout
        for line in sorted(listed.splitlines()):
            font = Font(Path(line.strip().rstrip(":")))
            if font.path.is_file() and draws_han(font):
                return font
    raise PreviewError(NO_HAN_FONT)


@dataclass
class _Line:
    pieces: list[tuple[str, int, int]] = field(default_factory=list)  # text, width x, height x
    align: int = 0


@functools.cache
def _baseline(font: ImageFont.FreeTypeFont, cell_h: int, wide: bool) -> float:
    """Where the baseline sits in a cell so a reference glyph's ink is centred in it, as
    a printer's bitmap font places it. Fonts disagree on their ascent (Noto CJK's is 1.16
    em): placing by the font's own line metrics would push Han characters out of the
    cell's bottom."""
    left, top, right, bottom = font.getbbox("中" if wide else "0", anchor="ls")
    return (cell_h - (bottom - top)) / 2 - top


class _Canvas:
    def __init__(self, paper_mm: int, han: Font) -> None:
        self.width = DOTS[paper_mm]
        self.rows: list[Image.Image] = []
        self.han = han
        self.mono = find_mono_font() or han
        self._fonts: dict[tuple[Font, int], ImageFont.FreeTypeFont] = {}

    def font(self, size: int, wide: bool) -> ImageFont.FreeTypeFont:
        font = self.han if wide else self.mono
        if (font, size) not in self._fonts:
            self._fonts[font, size] = ImageFont.truetype(str(font.path), size, index=font.index)
        return self._fonts[font, size]

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
                top = height - CELL_H * h
                draw.text((x, top + _baseline(font, CELL_H * h, wide)), ch, font=font,
                          fill=0, anchor="ls")
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
    """A greyscale picture of the slip the printer would print (``font``: the Han font to
    use instead of the first one found; PreviewError when it has no Han characters)."""
    han = Font(font) if font is not None else find_cjk_font()
    if font is not None and not draws_han(han):
        raise PreviewError(f"{font} has no Han characters (the slip would show empty boxes)")
    canvas = _Canvas(paper_mm, han)
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
