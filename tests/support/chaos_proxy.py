"""A fault-injecting HTTP proxy between the kiosk and a real platform on loopback.

Each request gets a fault chosen by a policy: passed through; a 500 before or
after the platform saw it; the connection closed before or after the platform
stored it (the answer lost); a hang longer than the kiosk's timeout. The proxy
can also go down (connections refused) and come back on the same port.
"Down" and the faults after forwarding are the cases that duplicate or lose
transactions in a careless sync, which is why they are here.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections import Counter
from collections.abc import Callable
from enum import StrEnum

import h11

from tests.support.loopback import free_port


class Fault(StrEnum):
    PASS = "pass"
    ERROR_BEFORE = "error_before"  # 500; the platform never saw the request
    ERROR_AFTER = "error_after"  # the platform stored it; the kiosk is told 500
    DROP_BEFORE = "drop_before"  # connection closed before forwarding
    DROP_AFTER = "drop_after"  # stored, then the connection closed: the answer is lost
    HANG_AFTER = "hang_after"  # stored, then no answer until the kiosk gives up


def random_policy(rng: random.Random, pass_share: float = 0.5) -> Callable[[], Fault]:
    faults = [f for f in Fault if f is not Fault.PASS]

    def choose() -> Fault:
        return Fault.PASS if rng.random() < pass_share else rng.choice(faults)

    return choose


class ChaosProxy:
    def __init__(self, upstream_port: int, policy: Callable[[], Fault],
                 hang_s: float = 2.0) -> None:
        self.upstream_port = upstream_port
        self.policy = policy
        self.hang_s = hang_s
        self.faults: Counter[Fault] = Counter()
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._stopping = asyncio.Event()
        self._thread = threading.Thread(target=self._loop.run_forever, name="chaos-proxy",
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ChaosProxy:
        self._thread.start()
        self.up()
        return self

    def up(self) -> None:
        """Listen (again) on the same port."""
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(5)

    def down(self) -> None:
        """Stop listening: the kiosk's connections are refused, as with a pulled cable."""
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(5)

    def stop(self) -> None:
        self.down()
        asyncio.run_coroutine_threadsafe(self._cancel_all(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port,
                                                      reuse_address=True)

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _cancel_all(self) -> None:
        """End the connections still open (a hang in progress) and wait for them."""
        self._stopping.set()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        await asyncio.wait(tasks, timeout=5) if tasks else None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await _read_message(reader, h11.Connection(h11.SERVER))
            if request is None:
                return
            head, body = request
            assert isinstance(head, h11.Request)  # what a server-side connection reads
            fault = self.policy()
            self.faults[fault] += 1
            if fault is Fault.DROP_BEFORE:
                return
            if fault is Fault.ERROR_BEFORE:
                writer.write(_server_error())
                return
            answer = await self._forward((head, body))
            if fault is Fault.PASS:
                writer.write(answer)
            elif fault is Fault.ERROR_AFTER:
                writer.write(_server_error())
            elif fault is Fault.HANG_AFTER:
                try:
                    await asyncio.wait_for(self._stopping.wait(), self.hang_s)
                except TimeoutError:
                    pass
            # DROP_AFTER: nothing is written
        except (OSError, h11.ProtocolError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _forward(self, request: tuple[h11.Request, bytes]) -> bytes:
        """Send the request to the platform and return its whole answer, as bytes."""
        head, body = request
        reader, writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        try:
            client = h11.Connection(h11.CLIENT)
            headers = [(k, v) for k, v in head.headers if k.lower() != b"connection"]
            writer.write(client.send(h11.Request(method=head.method, target=head.target,
                                                 headers=[*headers, (b"connection", b"close")])))
            writer.write(client.send(h11.Data(data=body)) or b"")
            writer.write(client.send(h11.EndOfMessage()) or b"")
            await writer.drain()
            response = await _read_message(reader, client)
        finally:
            writer.close()
        if response is None:
            raise OSError("the platform closed without answering")
        got, got_body = response
        assert isinstance(got, h11.Response)
        headers = [(k, v) for k, v in got.headers
                   if k.lower() not in (b"connection", b"content-length", b"transfer-encoding")]
        return _response(got.status_code, got.reason, headers, got_body)


async def _read_message(reader: asyncio.StreamReader, conn: h11.Connection
                        ) -> tuple[h11.Request | h11.Response, bytes] | None:
    head: h11.Request | h11.Response | None = None
    body = b""
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(await reader.read(65536))
            continue
        if isinstance(event, (h11.Request, h11.Response)):
            head = event
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage):
            assert head is not None
            return head, body
        elif isinstance(event, h11.ConnectionClosed):
            return None


def _response(status: int, reason: bytes, headers: list[tuple[bytes, bytes]],
              body: bytes) -> bytes:
    """A whole answer, with a length and "connection: close" (one request per connection)."""
    lines = [b"HTTP/1.1 %d %s" % (status, reason), *(k + b": " + v for k, v in headers),
             b"content-length: %d" % len(body), b"connection: close"]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def _server_error() -> bytes:
    return _response(500, b"Internal Server Error", [(b"content-type", b"application/json")],
                     b'{"detail": "injected failure"}')
