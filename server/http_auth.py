"""Who is calling: the bearer token on every request, and what each role may do.

Kiosks reach the kiosk endpoints, staff the ``/staff`` ones, administrators
the ``/admin`` ones (and the staff ones). Reference data, health and published
draws are open to any credential; nothing is open without one. A credential revoked
through this platform stops at once; one revoked by another process (the ``revoke``
command, another worker) within ``server.credentials.CACHE_SECONDS``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Depends, HTTPException
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine

from server.credentials import CredentialCache, Principal, Role, authenticate, remembered

_bearer = HTTPBearer(auto_error=False, description="gk.<role>.<id>.<secret>")


Lookup = Callable[[str], Awaitable[Principal | None]]  # token -> who, from the database


def requires(engine: Engine, *roles: Role, cache: CredentialCache | None = None,
             lookup: Lookup | None = None) -> Callable[..., Awaitable[Principal]]:
    """A FastAPI dependency: the caller, if their credential is valid and their role
    one of ``roles`` (any role when none are named). ``cache``: the app's credentials (None:
    the database is asked every time).

    It runs on the event loop: a credential the cache remembers costs no thread; only
    one it does not is looked up in the database: by ``lookup`` (the app's entry desk,
    server.entry_desk), or in the thread pool."""

    async def dependency(creds: HTTPAuthorizationCredentials | None = Depends(_bearer)
                         ) -> Principal:
        if creds is None:
            raise HTTPException(401, "a credential is required: Authorization: Bearer gk....",
                                headers={"WWW-Authenticate": "Bearer"})
        who = remembered(cache, creds.credentials)
        if who is None:
            who = (await lookup(creds.credentials) if lookup is not None else
                   await run_in_threadpool(authenticate, engine, creds.credentials, cache))
        if who is None:
            raise HTTPException(401, "unknown or revoked credential",
                                headers={"WWW-Authenticate": "Bearer"})
        if roles and who.role not in roles:
            raise HTTPException(403, f"{who.role} credentials cannot use this endpoint")
        return who

    return dependency
