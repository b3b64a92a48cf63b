"""Credentials: one per kiosk, staff member and administrator.

A token reads ``gk.<role>.<id>.<secret>``. The platform keeps only the SHA-256 of
the secret, so a copy of its database lets nobody act as a kiosk. Enrolling an
id again replaces its token (a reinstalled kiosk, a lost token); revoking it
locks the id out until it is enrolled again.

On the HTTP API, tokens that authenticated are remembered in the app's
``CredentialCache`` (server.caches) for ``CACHE_SECONDS``, so a request does not cost a
database round trip for its credential (on PostgreSQL 14 % of the reservation path's
time: bench/RESULTS.md). Enrolling or revoking with that cache forgets the id at once;
a revocation made by another process (``python -m server revoke``, another worker)
takes effect within ``CACHE_SECONDS``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
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


# How long a token that authenticated is believed without asking the database: the
# longest a revocation made by another process takes to bite.
CACHE_SECONDS = 5.0
CACHE_SIZE = 10_000  # tokens remembered at most; past it the memory starts afresh


class CredentialCache:
    """Tokens that authenticated recently -> who holds them, each for ``ttl`` seconds.

    Invariant: an entry is at most ``ttl`` old and none survives ``forget`` of its id;
    only tokens the database accepted are kept (a made-up token always asks it).
    """

    def __init__(self, ttl: float = CACHE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl, self._clock = ttl, clock
        self._lock = threading.Lock()  # the platform serves from a thread pool
        self._known: dict[str, tuple[Principal, float]] = {}

    def get(self, token: str) -> Principal | None:
        with self._lock:
            hit = self._known.get(token)
            if hit is None:
                return None
            if hit[1] <= self._clock():
                del self._known[token]
                return None
            return hit[0]

    def put(self, token: str, who: Principal) -> None:
        with self._lock:
            if len(self._known) >= CACHE_SIZE:
                self._known.clear()
            self._known[token] = (who, self._clock() + self._ttl)

    def forget(self, role: str, ident: str) -> None:
        with self._lock:
            for token in [t for t, (who, _) in self._known.items()
                          if (who.role, who.id) == (role, ident)]:
                del self._known[token]


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def enrol(engine: Engine, role: Role, ident: str, now: datetime,
          cache: CredentialCache | None = None) -> str:
    """A fresh token for ``role``/``ident``; any earlier one stops working (at once in
    ``cache``: the serving app's)."""
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
    if cache is not None:
        cache.forget(role, ident)  # the replaced token stops now
    return f"gk.{role}.{ident}.{secret}"


def revoke(engine: Engine, role: Role, ident: str, now: datetime,
           cache: CredentialCache | None = None) -> bool:
    with engine.begin() as conn:
        done = bool(conn.execute(update(credentials)
                                 .where(credentials.c.role == role, credentials.c.id == ident,
                                        credentials.c.revoked_at.is_(None))
                                 .values(revoked_at=now)).rowcount)
    if cache is not None:
        cache.forget(role, ident)
    return done


def parse_token(token: str) -> tuple[str, str, str] | None:
    if not token.startswith("gk.") or len(token) > 200:
        return None
    head, _, secret = token.rpartition(".")
    _, _, rest = head.partition(".")
    role, _, ident = rest.partition(".")
    if role not in ROLES or not _ID.fullmatch(ident) or not secret:
        return None
    return role, ident, secret


def authenticate(engine: Engine, token: str, cache: CredentialCache | None = None
                 ) -> Principal | None:
    """Who holds ``token``, or None: unknown, revoked or wrong secret alike. ``cache``
    (the HTTP API's): believe a token it accepted less than ``CACHE_SECONDS`` ago
    without asking the database again; None: always ask."""
    parsed = parse_token(token)
    if parsed is None:
        return None
    known = remembered(cache, token)
    if known is not None:
        return known
    role, ident, secret = parsed
    with engine.connect() as conn:
        row = conn.execute(select(credentials.c.token_hash, credentials.c.revoked_at)
                           .where(credentials.c.role == role, credentials.c.id == ident)).first()
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.token_hash, _digest(secret)):
        return None
    who = Principal(role, ident)  # type: ignore[arg-type]
    if cache is not None:
        cache.put(token, who)
    return who


def remembered(cache: CredentialCache | None, token: str) -> Principal | None:
    """Who holds ``token`` as ``cache`` remembers it (no database): None when it does
    not (ask ``authenticate``)."""
    return None if cache is None else cache.get(token)


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
