"""The platform's Ed25519 key for pickup codes: kept in a 0600 file, named by a key id
derived from the public key, so kiosks can hold several (key rotation)."""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from contracts.pickup_codes import sign_pickup_code


def public_key_b64(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def key_id(key: Ed25519PublicKey) -> str:
    return "platform-" + hashlib.sha256(base64.b64decode(public_key_b64(key))).hexdigest()[:8]


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    """The key in ``path`` (raw 32 bytes), made on first use with mode 0600."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = Ed25519PrivateKey.generate()
        raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(raw)
        return key
    if path.stat().st_mode & 0o077:
        raise PermissionError(f"{path} must be readable by its owner only (chmod 600)")
    return Ed25519PrivateKey.from_private_bytes(path.read_bytes())


class PickupSigner:
    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        self.public_key = key.public_key()
        self.kid = key_id(self.public_key)

    def issue(self, *, ref: str, item: str, site: str, window: str, expires: datetime) -> str:
        return sign_pickup_code(self._key, self.kid, ref=ref, item=item, site=site,
                                window=window, expires=expires)
