"""The kiosk's request limits (issue 16, finding 8): a platform that trickles its answer
cannot hold a request past its deadline, an oversized answer is stopped before it is in
memory, and a 429 is "try again later" whose Retry-After the sync loop honours."""

from __future__ import annotations

import random
import socket
import threading
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.clock import FakeClock
from offline_cache.backoff import Backoff
from offline_cache.outbox import Outbox
from offline_cache.platform_client import PlatformClient, PlatformRefused, PlatformUnavailable
from offline_cache.platform_http import (
    MAX_RETRY_AFTER_S,
    RequestLimits,
    platform_http_client,
    retry_after_s,
)
from offline_cache.sealing import DataCipher
from offline_cache.store import open_store
from offline_cache.sync import Link, SyncEngine, SyncReport, SyncSettings
from offline_cache.sync_loop import LoopTiming, SyncLoop
from tests.support.platform_access import application_payload


class RawPlatform:
    """A platform on a loopback socket that answers every request with ``answer(conn)``:
    whatever bytes, at whatever pace, the test wants."""

    def __init__(self, answer: Callable[[socket.socket], None]) -> None:
        self._answer = answer
        self._server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self._server.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(2)
            try:
                conn.recv(65536)  # the request (small: these tests send little)
                self._answer(conn)
            except OSError:
                pass  # the kiosk hung up: what the limits are for

    def stopped(self) -> bool:
        return self._stop.is_set()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._server.close()


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    box = Outbox(open_store(tmp_path / "kiosk.db"), DataCipher([bytes(32)]), FakeClock(), "K")
    box.enqueue("application", "marriage-record-proof", application_payload("11010519491231002X"))
    return box


def trickle(platform_stop: Callable[[], bool], whole: bytes) -> Callable[[socket.socket], None]:
    """One byte at a time, 0.1 s apart: each read succeeds long before a read timeout."""
    def answer(conn: socket.socket) -> None:
        for i in range(len(whole)):
            if platform_stop():
                return
            conn.sendall(whole[i:i + 1])
            time.sleep(0.1)  # the platform's pace, the behaviour under test
    return answer


def response_bytes(body: bytes) -> bytes:
    return (b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
            + str(len(body)).encode() + b"\r\n\r\n" + body)


@pytest.mark.parametrize("what", ["headers and body", "body"])
def test_a_trickling_platform_cannot_hold_a_sync_pass_past_the_deadline(
        outbox: Outbox, what: str) -> None:
    """Finding 8: one byte every 2 s held ``sync --once`` past 120 s with timeout_s = 5. Here
    one byte every 0.1 s (a 2-second answer) against a 0.5 s deadline."""
    body = b'{"received_at": "2026-12-04T01:00:00+00:00", "results": []}' + b" " * 20
    whole = response_bytes(body)
    holder: list[RawPlatform] = []

    def answer(conn: socket.socket) -> None:
        if what == "body":  # status line and headers at once, then the body trickles
            head, _, rest = whole.partition(b"\r\n\r\n")
            conn.sendall(head + b"\r\n\r\n")
            trickle(holder[0].stopped, rest)(conn)
        else:
            trickle(holder[0].stopped, whole)(conn)

    platform = RawPlatform(answer)
    holder.append(platform)
    client = platform_http_client(platform.url, RequestLimits(deadline_s=0.5))
    engine = SyncEngine(outbox, client, FakeClock(), SyncSettings())
    try:
        start = time.monotonic()
        report = engine.sync_once()
        took = time.monotonic() - start
    finally:
        client.close()
        platform.close()
    assert report.link is Link.UNREACHABLE and report.error == "timeout"
    assert took < 1.0, f"the pass took {took:.2f} s against a 0.5 s deadline"
    assert outbox.summary().pending == 1  # the item is back in the queue, not lost


def test_without_the_limit_the_same_platform_holds_the_request() -> None:
    """What the finding was: httpx's own timeout is per read, so the trickle passes it."""
    holder: list[RawPlatform] = []
    head, _, body = response_bytes(b'{"status": "ok", "x": 1}').partition(b"\r\n\r\n")

    def answer(conn: socket.socket) -> None:
        conn.sendall(head + b"\r\n\r\n")
        trickle(holder[0].stopped, body)(conn)  # 24 bytes: 2.4 s

    platform = RawPlatform(answer)
    holder.append(platform)
    try:
        with httpx.Client(base_url=platform.url, timeout=0.5) as plain:
            start = time.monotonic()
            plain.get("/api/v1/health")
            took = time.monotonic() - start
    finally:
        platform.close()
    assert took > 2.0


def endless(conn: socket.socket) -> None:
    """A chunked answer that never ends: 64 KiB chunks as fast as the kiosk takes them."""
    conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                 b"transfer-encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n" % 65536 + b" " * 65536 + b"\r\n"
    for _ in range(300 * 16):  # 300 MB if nobody stops it
        conn.sendall(chunk)


def test_an_oversized_answer_is_stopped_before_it_is_in_memory(outbox: Outbox) -> None:
    """Finding 8: a 300 MB answer took the kiosk to 654 MB. Capped at 1 MiB here."""
    platform = RawPlatform(endless)
    client = platform_http_client(platform.url, RequestLimits(deadline_s=10,
                                                              max_response_bytes=1 << 20))
    engine = SyncEngine(outbox, client, FakeClock(), SyncSettings())
    tracemalloc.start()
    try:
        report = engine.sync_once()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        client.close()
        platform.close()
    assert report.link is Link.SERVER_ERROR and report.error == "too_large"
    assert peak < 8 << 20, f"peak {peak / 2**20:.1f} MiB for a 1 MiB cap"
    assert outbox.summary().pending == 1


def test_a_declared_oversized_answer_is_refused_unread() -> None:
    def huge(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 314572800\r\n\r\n{")

    platform = RawPlatform(huge)
    client = platform_http_client(platform.url, RequestLimits(deadline_s=5,
                                                              max_response_bytes=1 << 20))
    try:
        with pytest.raises(PlatformUnavailable, match="too_large"):
            PlatformClient(client).rounds()
    finally:
        client.close()
        platform.close()


def test_a_normal_answer_passes_the_limits() -> None:
    body = b'{"rounds": []}'
    platform = RawPlatform(lambda conn: conn.sendall(response_bytes(body)))
    client = platform_http_client(platform.url, RequestLimits(deadline_s=5))
    try:
        assert PlatformClient(client).rounds() == []
    finally:
        client.close()
        platform.close()


# -- 429: try again later --------------------------------------------------------------------

def rate_limited(retry_after: str) -> httpx.MockTransport:
    return httpx.MockTransport(lambda _: httpx.Response(
        429, headers={"Retry-After": retry_after}, json={"detail": "slow down"}))


def test_a_429_is_unavailable_with_its_wait_never_refused() -> None:
    client = PlatformClient(httpx.Client(base_url="http://p", transport=rate_limited("7")))
    with pytest.raises(PlatformUnavailable) as caught:
        client.redeem("code")
    assert not isinstance(caught.value, PlatformRefused)
    assert str(caught.value) == "rate_limited:7" and caught.value.retry_after_s == 7


def test_a_rate_limited_pass_keeps_the_queue_and_reports_the_wait(outbox: Outbox) -> None:
    engine = SyncEngine(outbox, httpx.Client(base_url="http://p", transport=rate_limited("12")),
                        FakeClock(), SyncSettings())
    report = engine.sync_once()
    assert report.link is Link.SERVER_ERROR and report.error == "rate_limited:12"
    assert report.retry_after_s == 12 and outbox.summary().pending == 1
    assert outbox.quarantined() == []


def test_the_loop_waits_out_retry_after_even_when_woken() -> None:
    passes: list[float] = []

    class RateLimited:
        def sync_once(self) -> SyncReport:
            passes.append(time.monotonic())
            return SyncReport(Link.SERVER_ERROR, error="rate_limited:1", retry_after_s=0.4)

        def probe(self) -> Link:
            raise AssertionError("a rate-limited platform is not probed")

    loop: SyncLoop

    def on_report(_: SyncReport) -> None:
        loop.wake()  # a new transaction at once: still no request before Retry-After
        if len(passes) >= 3:
            loop.stop()

    loop = SyncLoop(RateLimited(), Backoff(0.01, 0.02, random.Random(1)),
                    LoopTiming(interval_s=0.01, probe_interval_s=0.01), on_report)
    thread = threading.Thread(target=loop.run)
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive()
    gaps = [b - a for a, b in zip(passes, passes[1:], strict=False)]
    assert len(gaps) == 2 and min(gaps) >= 0.4


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)
    assert retry_after_s(format_datetime(now + timedelta(seconds=90), usegmt=True), now) == 90


@given(st.one_of(st.none(), st.text(max_size=40), st.integers(0, 10**12).map(str)))
def test_any_retry_after_is_a_sane_wait(header: str | None) -> None:
    wait = retry_after_s(header)
    assert 1.0 <= wait <= MAX_RETRY_AFTER_S
