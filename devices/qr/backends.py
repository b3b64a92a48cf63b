"""QR decoders behind one interface: a greyscale frame in, the raw payload bytes out.

Each backend is usable alone (config ``devices.qr.backend``) and is what the
pipeline and the benchmark compare. Raw bytes, never the library's own guess at
the text; where the library says what the symbol declares (an ECI, kanji mode),
the bytes come as a ``Payload`` carrying the declared text: see text.py.
"""

from __future__ import annotations

import ctypes
from typing import Protocol

import cv2
import numpy as np
import zxingcpp

from devices.qr.text import ECI_CODECS, Payload, declared_by_zxing


class Backend(Protocol):
    name: str

    def decode(self, gray: np.ndarray) -> list[bytes]:
        """Raw payloads of the QR codes found in a 2-D uint8 frame."""


_QR = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
# The text zxing-cpp gives in this mode is the symbol's content with its ECIs: see text.py.
ZXING_TEXT_MODE = zxingcpp.TextMode.HexECI


def zxing_payload(code: zxingcpp.Barcode) -> Payload:
    """A zxing-cpp result (read with ZXING_TEXT_MODE) as raw bytes and declared text."""
    raw = bytes(code.bytes)
    return Payload(raw, declared_by_zxing(code.text, raw))


class ZxingBackend:
    """zxing-cpp restricted to QR codes (an order of magnitude faster than all formats)."""

    name = "zxing"

    def __init__(self, *, try_harder: bool = True,
                 binarizer: zxingcpp.Binarizer = zxingcpp.Binarizer.LocalAverage) -> None:
        self.try_harder = try_harder
        self.binarizer = binarizer

    def decode(self, gray: np.ndarray) -> list[bytes]:
        found = zxingcpp.read_barcodes(
            gray, formats=_QR, try_rotate=self.try_harder,
            try_downscale=self.try_harder, try_invert=self.try_harder,
            binarizer=self.binarizer, text_mode=ZXING_TEXT_MODE)
        return [zxing_payload(code) for code in found if code.valid]


class ZbarBackend:
    """zbar through pyzbar's ctypes bindings, in binary mode so it returns raw bytes.

    (pyzbar's own decode() has no way to ask for that, and zbar re-encodes text
    it guesses is Shift-JIS or Latin-1.) zbar does not read inverted codes, and its
    API does not say what a symbol declares: its bytes are always guessed.
    """

    name = "zbar"
    _QRCODE = 64  # ZBAR_QRCODE
    _CFG_ENABLE, _CFG_BINARY = 0, 4
    _Y800 = int.from_bytes(b"Y800", "little")  # 8-bit greyscale fourcc

    def __init__(self) -> None:
        from pyzbar import wrapper  # loads libzbar: fails clearly when libzbar0 is missing

        self._w = wrapper
        self._scanner = wrapper.zbar_image_scanner_create()
        wrapper.zbar_image_scanner_set_config(self._scanner, 0, self._CFG_ENABLE, 0)
        wrapper.zbar_image_scanner_set_config(self._scanner, self._QRCODE, self._CFG_ENABLE, 1)
        wrapper.zbar_image_scanner_set_config(self._scanner, self._QRCODE, self._CFG_BINARY, 1)

    def decode(self, gray: np.ndarray) -> list[bytes]:
        w = self._w
        height, width = gray.shape
        data = np.ascontiguousarray(gray).tobytes()
        image = w.zbar_image_create()
        try:
            w.zbar_image_set_format(image, self._Y800)
            w.zbar_image_set_size(image, width, height)
            w.zbar_image_set_data(image, data, len(data), None)
            if w.zbar_scan_image(self._scanner, image) <= 0:
                return []
            out = []
            symbol = w.zbar_image_first_symbol(image)
            while symbol:
                length = w.zbar_symbol_get_data_length(symbol)
                out.append(ctypes.string_at(w.zbar_symbol_get_data(symbol), length))
                symbol = w.zbar_symbol_next(symbol)
            return out
        finally:
            w.zbar_image_destroy(image)

    def __del__(self) -> None:
        scanner = getattr(self, "_scanner", None)
        if scanner:
            self._w.zbar_image_scanner_destroy(scanner)


def _undo_latin1(data: bytes) -> bytes:
    """OpenCV hands back a byte-mode payload that is not UTF-8 as its Latin-1 reading
    re-encoded in UTF-8. Undo that when the original bytes are GB18030 text."""
    try:
        text = data.decode("utf-8")
        original = text.encode("latin-1")
    except (UnicodeDecodeError, UnicodeEncodeError):
        return data
    if original == data:
        return data
    try:
        original.decode("utf-8")
        return data  # the original was UTF-8 already: OpenCV's bytes are the payload
    except UnicodeDecodeError:
        pass
    try:
        original.decode("gb18030")
    except UnicodeDecodeError:
        return data
    return original


class OpenCvBackend:
    """OpenCV's QRCodeDetector (classic finder-pattern detector)."""

    name = "opencv"

    def __init__(self) -> None:
        self._detector: cv2.GraphicalCodeDetector = cv2.QRCodeDetector()

    def decode(self, gray: np.ndarray) -> list[bytes]:
        # A new detector for each frame (0.1 us): getEncoding() keeps the last declared
        # encoding across frames, so a kanji code's Shift_JIS would stick to the next one.
        self._detector = type(self._detector)()
        data, points, _ = self._detector.detectAndDecodeBytes(gray)
        if points is None or not data:
            return []
        # getEncoding: the ECI the symbol declared, 20 (Shift_JIS) for kanji mode, 0: none.
        encoding = getattr(self._detector, "getEncoding", None)  # not on the ArUco one
        codec = ECI_CODECS.get(int(encoding())) if encoding is not None else None
        if codec is not None:
            try:
                return [Payload(bytes(data), bytes(data).decode(codec))]
            except UnicodeDecodeError:
                pass
        return [_undo_latin1(bytes(data))]


class OpenCvArucoBackend(OpenCvBackend):
    """OpenCV's QRCodeDetectorAruco (finder patterns found as ArUco-style markers)."""

    name = "opencv_aruco"

    def __init__(self) -> None:
        self._detector = cv2.QRCodeDetectorAruco()


BACKENDS = {cls.name: cls for cls in (ZxingBackend, ZbarBackend, OpenCvBackend, OpenCvArucoBackend)}
