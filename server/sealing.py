"""Sealing of the personal fields the platform stores (AES-256-GCM).

Invariant: a transaction's personal fields (an applicant's name, ID number, phone,
address and birth date, a form's answers, an entry's birth date) are written to the
database only sealed, under a key that is never in the database: 32 random bytes from
the ``PLATFORM_DATA_KEY`` environment variable (base64) or a key file readable by its
owner only (0600), made on first start. A sealed value names its key by id, so after a
rotation the old key (one base64 line per key in ``<key file>.old``) still opens older
rows; it is bound to its transaction's id, so it cannot be moved to another row.

The same approach as the kiosk's outbox (offline_cache/sealing.py); the key files are
kept the same way on both sides (contracts/key_files.py).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from contracts.key_files import decode_key, old_keys, read_or_create_key

ENV_KEY = "PLATFORM_DATA_KEY"
SEALED = "sealed"  # the stored payload's field holding the personal parts
_VERSION = b"\x01"
_PREFIX = "v1."

# Where each kind's personal fields are in its payload (contracts.wire). A reservation's
# document number is not kept at all (server.ingest: the entry holds the pseudonym).
PERSONAL: dict[str, tuple[tuple[str, ...], ...]] = {
    "application": (("identity",), ("answers",)),
    "reservation": (("entry", "birth_date"),),
}


class DataKeyError(ValueError):
    """The data key is missing, malformed or readable by others."""


class SealError(ValueError):
    """A sealed value that cannot be opened: another key, or altered."""


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(key).digest()[:4]


class PayloadCipher:
    """Seals with the first key; opens with any key it holds."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys or any(len(k) != 32 for k in keys):
            raise DataKeyError("a data key is 32 bytes")
        self._sealing = key_id(keys[0])
        self._by_id = {key_id(k): AESGCM(k) for k in keys}

    @classmethod
    def throwaway(cls) -> PayloadCipher:
        """A key nobody keeps: for tools that store demo rows and never read them back."""
        return cls([os.urandom(32)])

    def seal(self, plaintext: bytes, context: bytes) -> bytes:
        nonce = os.urandom(12)
        return (_VERSION + self._sealing + nonce
                + self._by_id[self._sealing].encrypt(nonce, plaintext, context))

    def open(self, sealed: bytes, context: bytes) -> bytes:
        if sealed[:1] != _VERSION or len(sealed) < 1 + 4 + 12 + 16:
            raise SealError("not a sealed value of a known version")
        aes = self._by_id.get(sealed[1:5])
        if aes is None:
            raise SealError("sealed under a key this platform does not hold")
        try:
            return aes.decrypt(sealed[5:17], sealed[17:], context)
        except InvalidTag as exc:
            raise SealError("sealed value altered, or another row's") from exc

    def seal_payload(self, kind: str, tx_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        """``payload`` as stored: its personal fields moved into one sealed value."""
        kept = copy.deepcopy(payload)
        personal = {".".join(path): value for path in PERSONAL.get(kind, ())
                    if (value := _pop(kept, path)) is not None}
        if personal:
            text = json.dumps(personal, ensure_ascii=False, separators=(",", ":"))
            blob = self.seal(text.encode("utf-8"), _context(tx_id))
            kept[SEALED] = _PREFIX + base64.b64encode(blob).decode("ascii")
        return kept

    def open_payload(self, tx_id: str, stored: dict[str, Any]) -> dict[str, Any]:
        """The payload as the kiosk sent it, from what ``seal_payload`` stored."""
        payload = copy.deepcopy(stored)
        token = payload.pop(SEALED, None)
        if token is None:
            return payload
        if not isinstance(token, str) or not token.startswith(_PREFIX):
            raise SealError("not a sealed value of a known version")
        blob = base64.b64decode(token[len(_PREFIX):])
        personal = json.loads(self.open(blob, _context(tx_id)))
        for dotted, value in personal.items():
            _put(payload, tuple(dotted.split(".")), value)
        return payload


def _context(tx_id: str) -> bytes:
    return b"transaction:" + tx_id.encode("ascii")


def _pop(tree: dict[str, Any], path: tuple[str, ...]) -> Any:
    *parents, leaf = path
    for name in parents:
        tree = tree.get(name)  # type: ignore[assignment]
        if not isinstance(tree, dict):
            return None
    return tree.pop(leaf, None)


def _put(tree: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    *parents, leaf = path
    for name in parents:
        tree = tree.setdefault(name, {})
    tree[leaf] = value


def load_cipher(key_file: Path, env_value: str | None = None) -> PayloadCipher:
    """The key from ``env_value`` (the environment variable's text) when given, else
    from ``key_file``, made 0600 when missing; older keys from ``<key file>.old``."""
    keys = ([decode_key(env_value, ENV_KEY, DataKeyError)] if env_value
            else [read_or_create_key(key_file, DataKeyError)])
    return PayloadCipher(keys + old_keys(key_file, DataKeyError))

