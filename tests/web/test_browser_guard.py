"""The browser fixture's guard: a page that reaches beyond loopback is caught."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.support.browser import guard, is_loopback

PAGE = b"""<!DOCTYPE html><html><body><p id="here">loopback</p>
<img src="http://192.0.2.7/pixel.png"><script src="https://fonts.example.com/x.js"></script>
</body></html>"""


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def loopback_site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_loopback_is_loopback() -> None:
    assert is_loopback("http://127.0.0.1:8000/") and is_loopback("ws://localhost/ws")
    assert is_loopback("http://[::1]:80/") and is_loopback("data:text/plain,x")
    assert not is_loopback("https://fonts.googleapis.com/css")
    assert not is_loopback("http://127.0.0.1.example.com/")


def test_guard_stops_and_records_what_leaves_loopback(context: BrowserContext,
                                                       loopback_site: str) -> None:
    blocked: list[str] = []
    guard(context, blocked)
    page = context.new_page()
    page.goto(loopback_site)
    expect(page.locator("#here")).to_have_text("loopback")
    page.wait_for_function("document.readyState === 'complete'")
    assert sorted(blocked) == ["http://192.0.2.7/pixel.png", "https://fonts.example.com/x.js"]


def test_browser_page_serves_a_loopback_page(browser_page: Page, loopback_site: str) -> None:
    browser_page.route("**/*.png", lambda route: route.abort())  # (not the guard's concern)
    browser_page.route("**/x.js", lambda route: route.abort())
    browser_page.goto(loopback_site)
    expect(browser_page.locator("#here")).to_have_text("loopback")
