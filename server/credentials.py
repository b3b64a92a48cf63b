"""Credentials: one per kiosk, staff member and administrator.

A token reads ``gk.<role>.<id>.<secret>``. The platform keeps only the SHA-256 of
the secret, so a copy of its database lets nobody act as a kiosk. Enrolling an
id again replaces its token (a reinstalled kiosk, a lost token); revoking it
locks the id out until it is enrolled again.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from server.db import credentials

Role = Literal["kiosk", "staff", "admin"]
ROLES: tuple[Role, ...] = ("kiosk", "staff", "admin")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")


@dataclass(frozen=True, slots=True)
class Principal:
    role: Role
    id: str

    @property
    def tag(self) -> str:
        """How the audit trail names who did something: "kiosk:XH-CCB-0001"."""
        return f"{self.role}:{self.id}"


class CredentialError(ValueError):
    """An id or role that cannot be enrolled."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def enrol(engine: Engine, role: Role, ident: str, now: datetime) -> str:
    """A fresh token for ``role``/``ident``; any earlier one stops working."""
    if role not in ROLES:
        raise CredentialError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if not _ID.fullmatch(ident):
        raise CredentialError(f"id {ident!r}: letters, digits, '-' and '_' only, at most 64")
    secret = secrets.token_urlsafe(32)
    row = {"token_hash": _digest(secret), "enrolled_at": now, "revoked_at": None}
    with engine.begin() as conn:
        done = conn.execute(update(credentials)
                            .where(credentials.c.role == role, credentials.c.id == ident)
                            .values(**row)).rowcount
        if not done:
            conn.execute(credentials.insert().values(role=role, id=ident, **row))
    return f"gk.{role}.{ident}.{secret}"


def revoke(engine: Engine, role: Role, ident: str, now: datetime) -> bool:
    with engine.begin() as conn:
        return bool(conn.execute(update(credentials)
                                 .where(credentials.c.role == role, credentials.c.id == ident,
                                        credentials.c.revoked_at.is_(None))
                                 .values(revoked_at=now)).rowcount)


def parse_token(token: str) -> tuple[str, str, str] | None:
    if not token.startswith("gk.") or len(token) > 200:
        return None
    head, _, secret = token.rpartition(".")
    _, _, rest = head.partition(".")
    role, _, ident = rest.partition(".")
    if role not in ROLES or not _ID.fullmatch(ident) or not secret:
        return None
    return role, ident, secret


def authenticate(engine: Engine, token: str) -> Principal | None:
    """Who holds ``token``, or None: unknown, revoked or wrong secret alike."""
    parsed = parse_token(token)
    if parsed is None:
        return None
    role, ident, secret = parsed
    with engine.connect() as conn:
        row = conn.execute(select(credentials.c.token_hash, credentials.c.revoked_at)
                           .where(credentials.c.role == role, credentials.c.id == ident)).first()
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.token_hash, _digest(secret)):
        return None
    return Principal(role, ident)  # type: ignore[arg-type]


def write_token_file(path: Path, token: str) -> None:
    """``token`` in ``path``, readable by its owner only, whatever was there before: the
    token goes to a new 0600 file beside it that then replaces ``path`` (an existing
    file keeps its mode when merely rewritten, so a 0644 one would stay readable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, scratch = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(token + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
