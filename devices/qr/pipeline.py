"""The kiosk's QR pipeline for one greyscale camera frame.

zxing-cpp restricted to QR codes does the work; the pipeline decides what it
looks at. A cheap pass on a half-size frame reads most codes. Only when it
finds nothing do the dearer passes run: zxing-cpp with its own default options
on the full frame (rotations, downscaled copies, the inverted image: so the
pipeline reads whatever zxing-cpp alone reads, inverted and low-contrast
photos included), zxing-cpp with one global threshold for the frame (a code
printed on a dark t-shirt, which the local-average binariser breaks up: zbar
reads it), then a close look at each place where zxing saw a symbol it could
not decode (a code too small for the camera: cut out, enlarged, sharpened), a
fixed-threshold binariser for uneven light, and last the square patches of
dense edges where a code too small to be located may be, each enlarged and
sharpened.
Text: what the symbol declares (ECI, kanji mode), else UTF-8, then GB18030.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp

from devices.qr.backends import ZXING_TEXT_MODE, zxing_payload
from devices.qr.text import PayloadTextError, payload_text

_QR = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
_ENLARGE = 3  # a 2-pixel module becomes 6 pixels: enough for the sampler
_MARGIN = 0.35  # of the symbol's size, around a cut-out
_K3, _K5 = np.ones((3, 3), np.uint8), np.ones((5, 5), np.uint8)


@dataclass(frozen=True)
class Pass:
    name: str
    scale: float  # the frame is resized by this before decoding
    invert: bool = False
    binarizer: zxingcpp.Binarizer = zxingcpp.Binarizer.LocalAverage


FAST = Pass("half", 0.5)
FIXED = Pass("fixed_threshold", 1.0, binarizer=zxingcpp.Binarizer.FixedThreshold)
# One threshold for the whole frame, from its histogram: reads the photos where the
# local-average binariser breaks a code up (a white code printed on a dark t-shirt,
# seen at an angle: zbar reads it, zxing's defaults do not).
GLOBAL = Pass("global_histogram", 1.0, binarizer=zxingcpp.Binarizer.GlobalHistogram)


def _read(gray: np.ndarray, binarizer: zxingcpp.Binarizer,
          errors: bool = False) -> list[zxingcpp.Barcode]:
    return zxingcpp.read_barcodes(gray, formats=_QR, try_rotate=False, try_downscale=False,
                                  try_invert=False, binarizer=binarizer, return_errors=errors,
                                  text_mode=ZXING_TEXT_MODE)


def _read_defaults(gray: np.ndarray) -> list[zxingcpp.Barcode]:
    """zxing-cpp with its own defaults (rotations, downscaled copies, the inverted image)
    on the full frame, the symbols it located but could not decode too."""
    return zxingcpp.read_barcodes(gray, formats=_QR, text_mode=ZXING_TEXT_MODE,
                                  return_errors=True)


def _valid(results: list[zxingcpp.Barcode]) -> list[bytes]:
    return [zxing_payload(c) for c in results if c.valid]


def _scaled(gray: np.ndarray, step: Pass) -> np.ndarray:
    image = 255 - gray if step.invert else gray
    if step.scale == 1.0:
        return image
    return cv2.resize(image, None, fx=step.scale, fy=step.scale, interpolation=cv2.INTER_AREA)


def _close_look(gray: np.ndarray, symbol: zxingcpp.Barcode) -> list[bytes]:
    """Cut out a symbol zxing located but could not decode, enlarge and sharpen it."""
    pos = symbol.position
    xs = [pos.top_left.x, pos.top_right.x, pos.bottom_right.x, pos.bottom_left.x]
    ys = [pos.top_left.y, pos.top_right.y, pos.bottom_right.y, pos.bottom_left.y]
    margin = int(max(max(xs) - min(xs), max(ys) - min(ys)) * _MARGIN) + 8
    x0, y0 = max(0, min(xs) - margin), max(0, min(ys) - margin)
    x1, y1 = min(gray.shape[1], max(xs) + margin), min(gray.shape[0], max(ys) + margin)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return []
    crop = cv2.resize(gray[y0:y1, x0:x1], None, fx=_ENLARGE, fy=_ENLARGE,
                      interpolation=cv2.INTER_CUBIC)
    for image in (crop, _sharpen(crop)):
        found = _valid(_read(image, zxingcpp.Binarizer.LocalAverage))
        if found:
            return found
    return []


def _sharpen(image: np.ndarray) -> np.ndarray:
    return cv2.addWeighted(image, 1.8, cv2.GaussianBlur(image, (0, 0), 2), -0.8, 0)


def _small_code_regions(gray: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Square patches of dense edges 40-220 pixels across: where a code too small for
    zxing to locate may be. Found on a half-size frame (about 2 ms)."""
    half = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    edges = cv2.morphologyEx(half, cv2.MORPH_GRADIENT, _K3)
    _, mask = cv2.threshold(edges, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, _K5)
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask)
    regions = []
    for x, y, w, h, area in stats[1:count]:
        if 20 <= w <= 110 and 20 <= h <= 110 and 0.6 <= w / h <= 1.6 and area > 0.5 * w * h:
            regions.append((2 * int(x), 2 * int(y), 2 * int(w), 2 * int(h)))
    return regions


def _small_codes(gray: np.ndarray) -> list[bytes]:
    for x, y, w, h in _small_code_regions(gray):
        margin = max(w, h) // 3 + 6
        crop = gray[max(0, y - margin):y + h + margin, max(0, x - margin):x + w + margin]
        enlarged = _sharpen(cv2.resize(crop, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC))
        found = _valid(_read(enlarged, zxingcpp.Binarizer.LocalAverage))
        if found:
            return found
    return []


def decode_raw(gray: np.ndarray) -> list[bytes]:
    """Raw payloads of the QR codes in one 2-D uint8 frame (empty list: none)."""
    if gray.ndim != 2 or gray.dtype != np.uint8:
        raise ValueError(f"decode_frame needs a 2-D uint8 greyscale frame, got {gray.dtype} "
                         f"with shape {gray.shape}")
    found = _valid(_read(_scaled(gray, FAST), FAST.binarizer))
    if found:
        return found
    results = _read_defaults(gray)
    if found := _valid(results):
        return found
    if found := _valid(_read(gray, GLOBAL.binarizer)):
        return found
    for symbol in results:
        if found := _close_look(gray, symbol):
            return found
    if found := _valid(_read(gray, FIXED.binarizer)):
        return found
    return _small_codes(gray)


def decode_frame(gray: np.ndarray) -> list[str]:
    """Text of every QR code in the frame; a code whose bytes are not text is left out."""
    texts = []
    for raw in decode_raw(gray):
        try:
            texts.append(payload_text(raw))
        except PayloadTextError:
            continue
    return texts
