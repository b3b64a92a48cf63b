"""The browser tests: Debian's Chromium through Playwright, on loopback only."""

from tests.support.browser import *  # noqa: F403 - the browser fixtures (all of them)
