"""The kiosk's HTTP transport to the platform, with limits a hostile or broken platform
cannot stretch: a total deadline per request and a cap on the answer's size.

httpx's timeouts are per socket operation: a platform that sends one byte every two
seconds never trips a five-second read timeout, and holds a request (and ``sync
--once``) for as long as it likes. Here every socket read, write and connect of a
request is given at most what is left of the request's total deadline, so the whole
request (headers and body) ends by then with ``httpx.ReadTimeout``. The answer is
streamed and counted: past the cap it stops with ``ResponseTooLarge`` before the rest
is read, so a 300 MB answer never sits in the kiosk's memory.

The deadline is kept per thread on the transport (the sync thread and the UI's
workers each have their own requests in flight).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpcore
import httpx

# An answer larger than this is not one the platform sends (the catalog is tens of KB).
DEFAULT_MAX_RESPONSE_BYTES = 8 << 20
# A 429 without a usable Retry-After waits this long; a longer one is cut to the cap, so a
# misconfigured platform cannot park a kiosk for a day.
DEFAULT_RETRY_AFTER_S = 30.0
MAX_RETRY_AFTER_S = 3600.0


def retry_after_s(header: str | None, now: datetime | None = None) -> float:
    """A 429's ``Retry-After`` (seconds, or an HTTP date) as seconds to wait, within
    [1, MAX_RETRY_AFTER_S]; a missing or malformed one is DEFAULT_RETRY_AFTER_S."""
    text = (header or "").strip()
    wait = DEFAULT_RETRY_AFTER_S
    if text.isascii() and text.isdigit():  # "¹" is a digit to str.isdigit, not to float
        wait = float(text)
    elif text:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            when = None
        if when is not None and when.tzinfo is not None:
            wait = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(wait, 1.0), MAX_RETRY_AFTER_S)


class ResponseTooLarge(httpx.TransportError):
    """The platform's answer passed the kiosk's size cap; the rest was not read."""


@dataclass(frozen=True, slots=True)
class RequestLimits:
    deadline_s: float  # the whole request, connect to the last byte of the answer
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES


class _Deadlines(threading.local):
    """When the request this thread is making must be over (monotonic); None: no request."""

    at: float | None = None


class _DeadlineStream(httpcore.NetworkStream):
    """A socket whose every read and write waits no longer than the request has left."""

    def __init__(self, inner: httpcore.NetworkStream, left: Callable[[float | None], float | None]
                 ) -> None:
        self._inner = inner
        self._left = left

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._left(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname,
                                                     self._left(timeout)), self._left)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend, deadlines: _Deadlines) -> None:
        self._inner = inner
        self._deadlines = deadlines

    def left(self, timeout: float | None) -> float | None:
        """The smaller of an operation's own timeout and what the request has left."""
        at = self._deadlines.at
        if at is None:
            return timeout
        remaining = at - time.monotonic()
        if remaining <= 0:
            raise httpcore.ReadTimeout("the request's total deadline passed")
        return remaining if timeout is None else min(timeout, remaining)

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_tcp(
            host, port, self.left(timeout), local_address, socket_options), self.left)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None
                            ) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_unix_socket(
            path, self.left(timeout), socket_options), self.left)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _CappedStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, cap: int, request: httpx.Request) -> None:
        self._inner = inner
        self._cap = cap
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        seen = 0
        for chunk in self._inner:
            seen += len(chunk)
            if seen > self._cap:
                raise ResponseTooLarge(f"answer over {self._cap} bytes", request=self._request)
            yield chunk

    def close(self) -> None:
        self._inner.close()


class LimitedTransport(httpx.BaseTransport):
    """``httpx.HTTPTransport`` (``verify``, ``cert`` and the rest pass through) under
    ``RequestLimits``."""

    def __init__(self, limits: RequestLimits, **transport_options: Any) -> None:
        self._limits = limits
        self._inner = httpx.HTTPTransport(**transport_options)
        self._deadlines = _Deadlines()
        # httpx builds its connection pool with the default socket backend and offers no
        # argument for another: the pool's backend is swapped once, here (the slow-answer
        # test fails if an httpx upgrade moves it).
        pool = self._inner._pool
        pool._network_backend = _DeadlineBackend(pool._network_backend, self._deadlines)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._deadlines.at = time.monotonic() + self._limits.deadline_s
        response = self._inner.handle_request(request)
        length = response.headers.get("content-length", "")
        if length.isascii() and length.isdigit() and int(length) > self._limits.max_response_bytes:
            response.close()
            raise ResponseTooLarge(f"answer of {length} bytes", request=request)
        assert isinstance(response.stream, httpx.SyncByteStream)
        return httpx.Response(response.status_code, headers=response.headers,
                              stream=_CappedStream(response.stream,
                                                   self._limits.max_response_bytes, request),
                              extensions=response.extensions)

    def close(self) -> None:
        self._inner.close()


def platform_http_client(base_url: str, limits: RequestLimits, *,
                         headers: dict[str, str] | None = None,
                         **transport_options: Any) -> httpx.Client:
    """The client the kiosk talks to the platform with: each request's socket operations
    time out at the deadline too, and the whole request is bounded by it."""
    return httpx.Client(base_url=base_url, timeout=limits.deadline_s, headers=headers,
                        transport=LimitedTransport(limits, **transport_options))
