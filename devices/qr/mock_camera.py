"""The field-test camera: an image folder the camera pipeline watches, and a way to
'hold up' a code: a camera-like picture of a phone showing it, written to the folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from devices.qr.camera import IMAGE_SUFFIXES

if TYPE_CHECKING:
    import numpy as np
    import qrcode

# qrcode, OpenCV and numpy load when a code is first held up, not when the demo kiosk
# starts (a mock camera is made at every demo start).


def _qr_code(payload: str) -> qrcode.QRCode:
    """The payload as a QR code. qrcode 8 fails to build some payloads at some error
    correction levels (``ValueError: glog(0)``, e.g. 200 zeros at M): another level is
    still a code a phone could show (found by the monkey test)."""
    import qrcode

    levels = (qrcode.constants.ERROR_CORRECT_M, qrcode.constants.ERROR_CORRECT_L,
              qrcode.constants.ERROR_CORRECT_Q, qrcode.constants.ERROR_CORRECT_H)
    for level in levels:
        code = qrcode.QRCode(box_size=1, border=4, error_correction=level)
        code.add_data(payload.encode("utf-8"))
        try:
            code.make(fit=True)
        except ValueError:
            continue
        return code
    raise ValueError("no error correction level encodes this payload")


def render_held_code(payload: str, width: int = 1280, height: int = 720) -> np.ndarray:
    """A phone held a little askew in front of the camera, showing the code."""
    import cv2
    import numpy as np

    modules = np.array(_qr_code(payload).make_image().convert("L"), dtype=np.uint8)
    side = min(height - 160, modules.shape[0] * 8)
    tile = cv2.resize(modules, (side, side), interpolation=cv2.INTER_NEAREST)
    frame = np.full((height, width), 150, dtype=np.uint8)
    y0, x0 = (height - side) // 2, (width - side) // 2
    cv2.rectangle(frame, (x0 - 40, y0 - 60), (x0 + side + 40, y0 + side + 60), 20, -1)  # phone
    frame[y0:y0 + side, x0:x0 + side] = tile
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), 4, 1.0)
    turned = cv2.warpAffine(frame, turn, (width, height), borderValue=150)
    return cv2.GaussianBlur(turned, (3, 3), 0)


class MockCamera:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._shown = 0

    def show(self, payload: str) -> Path:
        """Hold up a code (whatever was held before is taken away)."""
        import cv2

        self.take_away()
        self._shown += 1
        path = self.folder / f"held-{self._shown:04d}.png"
        tmp = path.with_suffix(".tmp")
        ok, png = cv2.imencode(".png", render_held_code(payload))
        assert ok
        tmp.write_bytes(png.tobytes())
        tmp.replace(path)  # the camera never sees a half-written picture
        return path

    def take_away(self) -> None:
        for path in self.folder.iterdir():
            if path.suffix.lower() in IMAGE_SUFFIXES:
                path.unlink(missing_ok=True)
