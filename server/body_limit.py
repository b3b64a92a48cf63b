"""A cap on request bodies, applied before routing, authentication or parsing.

Invariant: no request body larger than ``max_bytes`` is ever held in memory. A declared
``Content-Length`` over the cap is answered 413 before a byte of the body is read; a
body without one (chunked) is counted as it streams and refused at the first chunk that
passes the cap. FastAPI reads a JSON body before it resolves dependencies (the bearer
check among them), so without this an anonymous caller could make the platform buffer
any size of body before hearing 401.
"""

from __future__ import annotations

import json
import logging

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__package__)

# A kiosk batch is at most 1000 items (contracts.wire.MAX_BATCH) of about 1-2 KiB each;
# 8 MiB leaves room for that and for the admin's insured lists (10,000 numbers).
MAX_BODY_BYTES = 8 * 1024 * 1024


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes the cap: FastAPI re-raises an
    HTTPException met while reading the body, so it becomes the 413 answer."""

    def __init__(self, max_bytes: int) -> None:
        # Closing the connection: the rest of the body is never read.
        super().__init__(413, f"request body over {max_bytes} bytes",
                         headers={"Connection": "close"})


class BodyLimit:
    """Pure ASGI middleware (no body buffering of its own)."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is None:
            await _refuse(send, 400, "Content-Length is not a number")
            return
        if declared > self.max_bytes:
            log.warning("refused a %d-byte body on %s (cap %d)", declared, scope["path"][:100],
                        self.max_bytes)
            await _refuse(send, 413, f"request body over {self.max_bytes} bytes")
            return
        counted = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal counted
            message = await receive()
            if message["type"] == "http.request":
                counted += len(message.get("body", b""))
                if counted > self.max_bytes:
                    log.warning("refused a streamed body on %s past %d bytes",
                                scope["path"][:100], self.max_bytes)
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            if not started:  # read outside FastAPI's body parsing: answer here
                await _refuse(send, 413, f"request body over {self.max_bytes} bytes")


def _content_length(scope: Scope) -> int | None:
    """The declared length (0 when none is declared); None when it is not a number."""
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return 0


async def _refuse(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
