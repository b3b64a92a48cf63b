"""The platform's last line against an unexpected error: one log line, a bare 500.

Invariant: an error no route handled never reaches uvicorn's or Starlette's error path,
which would log its traceback with its message; a message can carry personal data (a
database error lists the statement's parameters; a validation error of a response
echoes its values). What is logged is the error's type, the route and where in the
platform's code it was raised: never its message, its arguments or any frame's locals.
"""

from __future__ import annotations

import json
import logging
import traceback
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__package__)

_OURS = Path(__file__).resolve().parent


class CrashGuard:
    """Pure ASGI middleware: the outermost of the app's own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        except Exception as exc:  # noqa: BLE001 - the point: nothing escapes with its text
            log.error("unhandled %s on %s %s at %s", type(exc).__name__, scope.get("method"),
                      route_of(scope), place_of(exc))
            if not started:
                body = json.dumps({"detail": "internal error"}).encode()
                await send({"type": "http.response.start", "status": 500,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})


def route_of(scope: Scope) -> str:
    """The matched route's template ("/api/v1/staff/pickups/{ref}/attempts"), not the
    path as sent: a path may carry anything a caller typed."""
    route = scope.get("route")
    return str(getattr(route, "path", "-"))


def place_of(exc: BaseException) -> str:
    """file:line in function, of the innermost frame in the platform's own code."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if Path(f.filename).resolve().is_relative_to(_OURS)]
    if not (ours or frames):
        return "-"
    frame = (ours or frames)[-1]
    return f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}"
