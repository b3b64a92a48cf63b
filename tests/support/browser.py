"""A real browser for tests: Debian's Chromium driven by Playwright, kept on loopback.

Fixtures (pytest-playwright's, set up for this project). A test folder that wants them
imports them all into its ``conftest.py``::

    from tests.support.browser import *  # noqa: F403 - the browser fixtures

Importing all of them matters: ``playwright`` and ``browser`` here are the module's, not
the session's as in pytest-playwright. Playwright's sync API keeps an event loop running
for as long as it lives, and the async tests the same xdist worker runs after a browser
test file would fail ("cannot be called from a running event loop"); here it stops when
the test file is done.

- ``browser_page``: a Playwright ``Page`` in a fresh context whose every request is
  checked: one to a host other than loopback (127.0.0.1, localhost, ::1) is aborted and
  recorded, and so is a WebSocket opened to one. More tabs: ``browser_page.context
  .new_page()`` (the same guard holds). Default timeouts are generous (a loaded 2-core
  machine): wait for conditions with ``expect``/``wait_for_*``, never sleep.
- ``blocked_requests``: what the guard stopped (URLs); asserted empty when the test ends,
  so a page that reaches for the internet fails its test.

The browser is ``/usr/bin/chromium`` (Debian's ``chromium`` package, which
``scripts/test-deps`` installs when it can); never ``playwright install``. Without it
the tests that use these fixtures skip with one line.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    Route,
    WebSocket,
    sync_playwright,
)

__all__ = ["blocked_requests", "browser", "browser_context_args", "browser_page",
           "browser_type_launch_args", "playwright"]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
CHROMIUM_HINT = "no Chromium at /usr/bin/chromium: the browser tests skip (apt-get install" \
                " chromium; `make test` does it as root or with passwordless sudo)"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
TIMEOUT_MS = 60_000  # a loaded 2-core machine; conditions are waited for, not slept on
VIEWPORT = {"width": 1280, "height": 800}


def is_loopback(url: str) -> bool:
    """True for a URL that stays on this machine (or never leaves the page: data:, blob:)."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.hostname in LOOPBACK


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not (CHROMIUM.exists() or shutil.which(str(CHROMIUM))):
        pytest.skip(CHROMIUM_HINT)
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM),
            "args": CHROMIUM_ARGS, "timeout": TIMEOUT_MS}


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Playwright for one test file (see above: not the session's)."""
    started = sync_playwright().start()
    yield started
    started.stop()


@pytest.fixture(scope="module")
def browser(playwright: Playwright, browser_type_launch_args: dict[str, Any]
            ) -> Iterator[Browser]:
    """Debian's Chromium for one test file."""
    launched = playwright.chromium.launch(**browser_type_launch_args)
    yield launched
    launched.close()


@pytest.fixture(scope="session")
def browser_context_args() -> dict[str, Any]:
    # A kiosk: a touch screen, Chinese first. (Not pytest-playwright's, which needs the
    # session's Playwright for its --device option.)
    return {"viewport": VIEWPORT, "has_touch": True, "locale": "zh-CN"}


@pytest.fixture
def blocked_requests() -> Iterator[list[str]]:
    blocked: list[str] = []
    yield blocked
    assert not blocked, f"the page reached beyond loopback: {blocked}"


def guard(context: BrowserContext, blocked: list[str]) -> None:
    """Abort and record every request (and note every WebSocket) not to loopback."""

    def check(route: Route) -> None:
        url = route.request.url
        if is_loopback(url):
            route.fallback()
        else:
            blocked.append(url)
            route.abort("blockedbyclient")

    def watch(page: Page) -> None:
        def opened(ws: WebSocket) -> None:
            if not is_loopback(ws.url):
                blocked.append(ws.url)

        page.on("websocket", opened)

    context.route("**/*", check)
    context.on("page", watch)
    for page in context.pages:
        watch(page)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)


@pytest.fixture
def browser_page(context: BrowserContext, blocked_requests: list[str]) -> Page:
    guard(context, blocked_requests)
    return context.new_page()
