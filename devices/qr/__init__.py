"""QR codes: the camera pipeline and its decoders, line-mode scanners, and their mocks."""

from devices.qr.camera import CameraGone, CameraScanner, FolderSource, open_source
from devices.qr.line_scanner import SerialLineScanner
from devices.qr.mock_camera import MockCamera
from devices.qr.mock_line_scanner import MockLineScanner
from devices.qr.pipeline import decode_frame
from devices.qr.scanner import QrScanner

__all__ = ["CameraGone", "CameraScanner", "FolderSource", "MockCamera", "MockLineScanner",
           "QrScanner", "SerialLineScanner", "decode_frame", "open_source"]
