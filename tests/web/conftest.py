"""The browser tests: Debian's Chromium through Playwright, on loopback only."""

from tests.support.browser import (  # noqa: F401 - fixtures
    blocked_requests,
    browser_context_args,
    browser_page,
    browser_type_launch_args,
)
