"""QR code scanning."""

from devices.qr.mock import MockQrScanner
from devices.qr.scanner import QrScanner

__all__ = ["MockQrScanner", "QrScanner"]
