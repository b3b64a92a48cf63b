"""QR code scanning: the camera pipeline, decoders and scanners."""

from devices.qr.mock import MockQrScanner
from devices.qr.pipeline import decode_frame
from devices.qr.scanner import QrScanner

__all__ = ["MockQrScanner", "QrScanner", "decode_frame"]
