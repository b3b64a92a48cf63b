"""The fleet view in a real browser: the platform as staff run it (``python -m server``,
a SQLite file, credentials from ``python -m server enrol``), two kiosks reporting over
HTTP, and /staff/fleet opened in Chromium with a staff credential: every kiosk's row
shows what it reported, and the page loads nothing from beyond loopback.

``UPDATE_DOCS_SCREENSHOTS=1`` writes the picture to docs/fleet.png (docs/fleet.md);
otherwise it goes to the test's own folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from base64 import b64encode
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from contracts.wire import KIOSK_REPORT_PATH
from server.fleet import FLEET_PAGE_PATH
from tests.support import REPO_ROOT
from tests.support.loopback import free_port
from tests.support.platform_access import bearer
from tests.support.waiting import wait_for

Platform = tuple[str, dict[str, str]]  # its URL, a token per credential "role:id"


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    db = f"sqlite:///{tmp_path / 'platform.db'}"
    tokens = {}
    for role, ident in (("kiosk", "XM-SM-0001"), ("kiosk", "XM-SM-0002"),
                        ("kiosk", "XM-SM-0003"), ("staff", "wang")):
        enrolled = subprocess.run(
            [sys.executable, "-m", "server", "enrol", "--db", db, role, ident, "--out",
             str(tmp_path / f"{ident}.token")],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
        assert enrolled.returncode == 0, enrolled.stderr
        tokens[f"{role}:{ident}"] = (tmp_path / f"{ident}.token").read_text().strip()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "server", "--db", db, "--port", str(port), "--signing-key",
         str(tmp_path / "sign.key"), "--data-key", str(tmp_path / "data.key")],
        cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        assert server.poll() is None, "the platform exited"
        try:
            return httpx.get(f"{url}/api/v1/health").status_code == 401  # up, wants a token
        except httpx.HTTPError:
            return False

    try:
        wait_for(up, timeout=60)
        yield url, tokens
    finally:
        server.terminate()
        server.wait(timeout=30)


def post_report(url: str, token: str, **body: Any) -> dict[str, Any]:
    answer = httpx.post(f"{url}{KIOSK_REPORT_PATH}", headers=bearer(token), json=body,
                        timeout=30)
    assert answer.status_code == 200, answer.text
    ack: dict[str, Any] = answer.json()
    return ack


def test_staff_see_every_kiosk_in_the_browser(platform: Platform, browser_page: Page,
                                              tmp_path: Path) -> None:
    url, tokens = platform
    now = datetime.now(UTC)
    # A kiosk whose clock keeps time, with a queue and a printer low on paper.
    post_report(url, tokens["kiosk:XM-SM-0001"], sent_at=now.isoformat(), last_rtt_ms=12,
                queue_length=3, oldest_queued_at=(now - timedelta(minutes=12)).isoformat(),
                devices={"printer": {"state": "warning", "detail": "paper_low"},
                         "reader": {"state": "ok"}, "camera": {"state": "ok"},
                         "cabinet": {"state": "absent"}},
                software="0.1.0")
    # One whose clock runs 5 minutes ahead, out of service (no paper), a service closed
    # by staff.
    since = (now - timedelta(minutes=40)).isoformat()
    ack = post_report(
        url, tokens["kiosk:XM-SM-0002"], sent_at=(now + timedelta(minutes=5)).isoformat(),
        last_rtt_ms=20, queue_length=0,
        devices={"printer": {"state": "fault", "detail": "no_paper"},
                 "reader": {"state": "ok"}, "camera": {"state": "ok"}},
        outages=[{"service": "*", "reason": "no_paper", "by": "auto", "since": since},
                 {"service": "hk-permit", "reason": "maintenance", "by": "staff",
                  "since": since, "note": "窗口系统升级 system upgrade"}],
        software="0.1.0")
    assert ack["drift_s"] < -290

    page = browser_page
    page.set_extra_http_headers(bearer(tokens["staff:wang"]))
    answer = page.goto(f"{url}{FLEET_PAGE_PATH}")
    assert answer is not None and answer.status == 200

    first = page.locator('tr[data-kiosk="XM-SM-0001"]')
    expect(first.locator('td[data-col="queue"]')).to_contain_text("3")
    expect(first.locator('td[data-col="queue"]')).to_contain_text("分钟前 min ago")
    expect(first.locator('[data-device="printer"]')).to_contain_text("警告 warning")
    expect(first.locator('[data-device="printer"]')).to_contain_text("paper_low")
    expect(first.locator('[data-device="cabinet"]')).to_contain_text("未连接 absent")
    expect(first.locator('td[data-col="drift"] .badge.ok')).to_be_visible()
    expect(first.locator('td[data-col="outages"]')).to_have_text("服务中 in service")
    expect(first.locator('td[data-col="contact"]')).not_to_contain_text("stale")

    second = page.locator('tr[data-kiosk="XM-SM-0002"]')
    expect(second.locator('td[data-col="drift"]')).to_contain_text("快 ahead")
    expect(second.locator('td[data-col="drift"] .badge.over')).to_be_visible()
    expect(second.locator('[data-service="*"]')).to_contain_text("整机停用 whole kiosk")
    expect(second.locator('[data-service="*"]')).to_contain_text("缺纸 no_paper")
    expect(second.locator('[data-service="hk-permit"]')).to_contain_text("维护 maintenance")
    expect(second.locator('[data-service="hk-permit"]')).to_contain_text("system upgrade")
    expect(second.locator('[data-device="printer"]')).to_contain_text("故障 fault")

    never = page.locator('tr[data-kiosk="XM-SM-0003"]')
    expect(never.locator('td[data-col="contact"]')).to_have_text("从未联系 never")
    expect(page.locator('[data-summary="kiosks"]')).to_have_text("终端 kiosks: 3")
    expect(page.locator('[data-summary="oos"]')).to_have_text("整机停用 out of service: 1")
    # The table is laid out as a table (the inline style applied), not as raw text.
    assert page.locator("th").first.evaluate(
        "e => getComputedStyle(e).backgroundColor") == "rgb(232, 234, 235)"

    shot = (REPO_ROOT / "docs" / "fleet.png" if os.environ.get("UPDATE_DOCS_SCREENSHOTS")
            else tmp_path / "fleet.png")
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_page_wants_a_staff_credential(platform: Platform, browser_page: Page) -> None:
    """A plain browser is asked (HTTP Basic: any user name, the credential as password);
    headless Chromium has no one to type it in, so it gives up on the page."""
    url, tokens = platform
    with pytest.raises(PlaywrightError, match="ERR_INVALID_AUTH_CREDENTIALS"):
        browser_page.goto(f"{url}{FLEET_PAGE_PATH}")
    browser_page.set_extra_http_headers(basic("kiosk", tokens["kiosk:XM-SM-0001"]))
    answer = browser_page.goto(f"{url}{FLEET_PAGE_PATH}")
    assert answer is not None and answer.status == 403
    expect(browser_page.locator("body")).not_to_contain_text("XM-SM-0002")
    browser_page.set_extra_http_headers(basic("wang", tokens["staff:wang"]))
    answer = browser_page.goto(f"{url}{FLEET_PAGE_PATH}")
    assert answer is not None and answer.status == 200
    expect(browser_page.locator('tr[data-kiosk="XM-SM-0002"]')).to_be_visible()


def basic(user: str, password: str) -> dict[str, str]:
    """What a browser sends once someone typed into its sign-in box."""
    return {"Authorization": "Basic " + b64encode(f"{user}:{password}".encode()).decode()}
