"""The TLS the kiosk speaks to its platform: the platform's certificate verified against
the configured CA file (or the system's CAs), and optionally pinned to its public key.

The pin is checked inside the handshake, before a byte of any request is sent: a
response hook would be too late, the request (names, ID numbers, the bearer token)
would already have left. A refused certificate is logged with the key to look at, and
the request fails as a connection error (the outbox keeps its items).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import ssl
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__package__)


class PinMismatch(ssl.SSLCertVerificationError):
    """The platform's certificate chains to the CA but its key is not a pinned one."""


def spki_sha256(der_certificate: bytes) -> str:
    """Base64 SHA-256 of a certificate's SubjectPublicKeyInfo (HPKP's pin-sha256)."""
    # Only a pinned platform needs X.509 parsing: not loaded at every kiosk start.
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    cert = x509.load_der_x509_certificate(der_certificate)
    spki = cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


class _CheckedSocket(ssl.SSLSocket):
    """An SSLSocket whose handshake also says why a certificate was refused and checks
    the pins (``_pins`` and ``_ca`` are set on the class made per context)."""

    _pins: frozenset[str] = frozenset()
    _ca: str = ""

    def do_handshake(self, block: bool = False) -> None:
        try:
            super().do_handshake(block)
        except ssl.SSLCertVerificationError as exc:
            log.error("platform certificate refused: %s (checked against %s)",
                      exc.verify_message or exc.reason, self._ca)
            raise
        if not self._pins:
            return
        der = self.getpeercert(binary_form=True)
        found = spki_sha256(der) if der else "none"
        if found not in self._pins:
            log.error("platform certificate refused: its public key (pin-sha256 %s) is not"
                      " in platform.pin_sha256", found)
            self.close()
            raise PinMismatch(f"the platform's public key {found} matches no"
                              " platform.pin_sha256")


def platform_tls(ca_file: Path | None, pins: Iterable[str] = ()) -> ssl.SSLContext:
    """A client context: TLS 1.2 or later, hostname checked, the chain verified against
    ``ca_file`` (PEM; None: the system's CAs) and, with ``pins``, the key pinned."""
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    socket_class = type("PlatformSocket", (_CheckedSocket,), {
        "_pins": frozenset(pins), "_ca": str(ca_file) if ca_file else "the system's CAs"})
    context.sslsocket_class = socket_class
    return context
