"""Data key files as the kiosk and the platform keep them: 32 random bytes in base64 in a
file only its owner may read (0600), made on first use; older keys one per line in
``<key file>.old`` for rotation. Each side seals with AES-256-GCM under these keys and
raises its own error type (``error``)."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

KEY_BYTES = 32


def check_private(path: Path, error: type[Exception]) -> None:
    """A key file others may read is refused, with the command that fixes it."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise error(f"{path}: key file is readable by others (mode {mode:o}):"
                    f" chmod 600 {path}")


def decode_key(text: str, where: str, error: type[Exception]) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except ValueError as exc:
        raise error(f"{where}: not base64") from exc
    if len(key) != KEY_BYTES:
        raise error(f"{where}: a data key must be {KEY_BYTES} bytes, found {len(key)}")
    return key


def read_or_create_key(path: Path, error: type[Exception]) -> bytes:
    """The key in ``path``, made (0600, in a folder made 0700) when there is none."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(base64.b64encode(os.urandom(KEY_BYTES)).decode() + "\n")
    check_private(path, error)
    return decode_key(path.read_text(), str(path), error)


def old_keys(key_file: Path, error: type[Exception]) -> list[bytes]:
    """The keys a rotation retired, still needed to open what they sealed."""
    old = key_file.with_name(key_file.name + ".old")
    if not old.exists():
        return []
    check_private(old, error)
    return [decode_key(line, str(old), error) for line in old.read_text().split() if line]
