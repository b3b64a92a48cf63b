"""The web kiosk's socket: only its own page drives the kiosk, and a malformed frame
from the page is dropped without ending the session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient, TestServer

from wiring.web import KioskWebServer, _cells


async def test_a_page_from_another_origin_is_refused() -> None:
    server = KioskWebServer("false", default_lang="zh-CN", han_font=None)
    async with TestClient(TestServer(server.make_app())) as client:
        refused = await client.get("/ws", headers={"Origin": "http://evil.example",
                                                   "Connection": "Upgrade",
                                                   "Upgrade": "websocket",
                                                   "Sec-WebSocket-Version": "13",
                                                   "Sec-WebSocket-Key": "x3JJHMbDL1EzLkh9GBhXDw=="})
        assert refused.status == 403
    assert server.sessions_started == 0


@dataclass
class Message:
    text: str
    type: WSMsgType = WSMsgType.TEXT

    def json(self) -> Any:
        import json
        return json.loads(self.text)


@dataclass
class Page:
    frames: list[str]
    sent: list[Any] = field(default_factory=list)

    def __aiter__(self) -> AsyncIterator[Message]:
        async def frames() -> AsyncIterator[Message]:
            for text in self.frames:
                yield Message(text)
        return frames()

    async def send_json(self, value: Any) -> None:
        self.sent.append(value)


@dataclass
class Service:
    calls: list[tuple[str, Any]] = field(default_factory=list)

    async def send_bytes(self, data: bytes) -> None:
        self.calls.append(("stdin", data))

    async def set_terminal_size(self, width: int, height: int) -> None:
        self.calls.append(("resize", (width, height)))


async def test_malformed_frames_are_dropped_and_the_session_goes_on() -> None:
    server = KioskWebServer("false", default_lang="zh-CN", han_font=None)
    page = Page(['not json', '["resize"]', '["resize", {"width": "x"}]',
                 '["resize", {"width": 99999, "height": 40}]', '["stdin"]', '{}',
                 '["stdin", "1"]', '["resize", {"width": 100, "height": 30}]',
                 '["ping", 7]'])
    service = Service()
    await server._messages(page, service)  # type: ignore[arg-type]
    assert service.calls == [("stdin", b"1"), ("resize", (100, 30))]
    assert page.sent == [["pong", 7]]


def test_a_terminal_size_is_believed_only_within_reason() -> None:
    assert _cells("120", 80) == 120
    assert [_cells(v, 80) for v in ("0", "-3", "100000", "x", None)] == [80] * 5
