"""QR codes: the camera pipeline and its decoders, line-mode scanners, and their mocks.

Importing the package loads no decoder: OpenCV, numpy and zxing-cpp load with the
pipeline (``decode_frame``, looked up on first use) in the camera's worker, not before
the kiosk's first screen.
"""

from typing import TYPE_CHECKING

from devices.qr.camera import CameraGone, CameraScanner, FolderSource, open_source
from devices.qr.line_scanner import SerialLineScanner
from devices.qr.mock_camera import MockCamera
from devices.qr.mock_line_scanner import MockLineScanner
from devices.qr.scanner import QrScanner

if TYPE_CHECKING:
    from devices.qr.pipeline import decode_frame

__all__ = ["CameraGone", "CameraScanner", "FolderSource", "MockCamera", "MockLineScanner",
           "QrScanner", "SerialLineScanner", "decode_frame", "open_source"]


def __getattr__(name: str) -> object:
    if name == "decode_frame":
        from devices.qr.pipeline import decode_frame

        return decode_frame
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
