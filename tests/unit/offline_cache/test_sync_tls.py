"""A certificate the kiosk refuses is its own fault code, not "unreachable": staff see
that the platform was reached but not trusted (the log says which check failed)."""

from __future__ import annotations

import ssl

import httpx

from offline_cache.sync import _classify
from offline_cache.sync_errors import SyncError


def test_a_refused_certificate_is_told_apart_from_an_unreachable_platform() -> None:
    try:
        try:
            raise ssl.SSLCertVerificationError("certificate verify failed")
        except ssl.SSLError as cause:
            raise httpx.ConnectError("handshake failed") from cause
    except httpx.ConnectError as exc:
        refused = exc
    assert _classify(refused)[1] == SyncError.TLS
    assert _classify(httpx.ConnectError("connection refused"))[1] == SyncError.UNREACHABLE
