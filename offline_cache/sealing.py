"""Encryption of personal data at rest (AES-GCM).

The key is 32 random bytes, from the ``KIOSK_DATA_KEY`` environment variable
(base64) or a key file that must be readable by its owner only (0600). A
missing key file is created only while nothing is sealed with the key it
replaces: a key lost under queued records is a fault for staff
(``DataKeyMissing``), never a silent new key that leaves every record
unreadable. Each sealed value starts with a key id so a rotated key can still
open older records (docs/security.md).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from contracts.errors import KioskError
from contracts.key_files import decode_key, old_keys, read_or_create_key

ENV_KEY = "KIOSK_DATA_KEY"
_VERSION = b"\x01"


class DataKeyError(KioskError):
    """The data key is missing, malformed or too widely readable."""


class DataKeyMissing(DataKeyError):
    """Records are sealed but the key that opens them is gone (or another key is set)."""


class SealError(KioskError):
    """A sealed value cannot be opened: wrong key, or the data was altered."""


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(key).digest()[:4]


class DataCipher:
    """Seals with the first key; opens with any key it holds."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys or any(len(k) != 32 for k in keys):
            raise DataKeyError("a data key must be 32 bytes")
        self._sealing = keys[0]
        self._by_id = {key_id(k): AESGCM(k) for k in keys}

    def seal(self, plaintext: bytes, context: bytes) -> bytes:
        """``context`` (the record's id) is bound in, so a sealed value cannot be moved."""
        nonce = os.urandom(12)
        kid = key_id(self._sealing)
        return _VERSION + kid + nonce + self._by_id[kid].encrypt(nonce, plaintext, context)

    def open(self, sealed: bytes, context: bytes) -> bytes:
        if sealed[:1] != _VERSION or len(sealed) < 1 + 4 + 12 + 16:
            raise SealError("not a sealed value of a known version")
        aes = self._by_id.get(sealed[1:5])
        if aes is None:
            raise SealError("sealed with a key this kiosk does not hold")
        try:
            return aes.decrypt(sealed[5:17], sealed[17:], context)
        except InvalidTag as exc:
            raise SealError("sealed value was altered or belongs to another record") from exc


def load_cipher(key_file: Path, sealed_records: int = 0, *, create: bool = True) -> DataCipher:
    """The environment variable wins; else the key file, created 0600 if it is missing,
    ``create`` allows it and no record is sealed yet (``sealed_records``: how many the
    store holds).

    Older keys for rotation: ``<key_file>.old`` files, one base64 key per line.
    """
    env = os.environ.get(ENV_KEY)
    if not env and not key_file.exists() and sealed_records:
        raise DataKeyMissing(
            f"the data key {key_file} is missing and {sealed_records} queued records are"
            " sealed with it: restore the key file (or KIOSK_DATA_KEY) from its backup."
            " No new key was made; `python main.py queue` shows what is queued")
    if not env and not key_file.exists() and not create:
        raise DataKeyMissing(f"the data key {key_file} is missing")
    keys = ([decode_key(env, ENV_KEY, DataKeyError)] if env
            else [read_or_create_key(key_file, DataKeyError)])
    return DataCipher(keys + old_keys(key_file, DataKeyError))

