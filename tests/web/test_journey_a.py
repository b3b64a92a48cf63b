"""Journey A in a real browser: ``main.py web`` as a subprocess (demo config: mock devices,
the embedded platform, a temporary data folder), Debian's Chromium through Playwright,
every step a click (or a tap) on what the page draws.

textual-serve draws the kiosk with xterm.js on a canvas: there is no DOM per widget. A
label is found in the terminal's cells (``window.kioskWeb.terminal``, the page's xterm.js
Terminal) and clicked at the middle of its cells, from the screen element's size and the
terminal's columns and rows. Every wait is for a condition (Playwright's
``wait_for_function``), none is a sleep.

The screenshots go to ``tmp_path``, or to ``docs/web/`` with ``UPDATE_WEB_SCREENSHOTS=1``
(the pictures docs/web.md shows; look at each before committing it).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from offline_cache.instance_lock import InstanceLock
from offline_cache.kiosk_store import LOCK_FILE
from tests.support import REPO_ROOT
from tests.support.browser import TIMEOUT_MS
from tests.support.loopback import free_port
from tests.support.waiting import wait_for
from wiring.web import ELDER_TEXT_SCALE

pytestmark = pytest.mark.timeout(900)  # several kiosk sessions on a loaded 2-core machine

SHOTS = REPO_ROOT / "docs" / "web"
SIXTH_ELDER_ITEM = "6  户籍证明"
START_S = 120.0

# Where a text is on the terminal: [{row, first, end}] (cells; wide characters take two).
FIND_JS = """(text) => {
  const k = window.kioskWeb;
  if (!k || !k.terminal) return [];
  const term = k.terminal, buffer = term.buffer.active, found = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    if (!line) continue;
    let chars = "";
    const starts = [], ends = [];
    for (let x = 0; x < term.cols; x++) {
      const cell = line.getCell(x);
      if (!cell || cell.getWidth() === 0) continue;
      const ch = cell.getChars() || " ";
      for (let i = 0; i < ch.length; i++) { starts.push(x); ends.push(x + cell.getWidth()); }
      chars += ch;
    }
    for (let at = chars.indexOf(text); at >= 0; at = chars.indexOf(text, at + 1)) {
      found.push({row: y, first: starts[at], end: ends[at + text.length - 1]});
    }
  }
  return found;
}"""
SHOWS_JS = f"([text, count]) => ({FIND_JS})(text).length >= count"
GONE_JS = f"(text) => ({FIND_JS})(text).length === 0"
# How the first cell of a text is drawn (colours, bold, inverse): a button's look.
STYLE_JS = f"""(text) => {{
  const at = ({FIND_JS})(text)[0];
  if (!at) return null;
  const buffer = window.kioskWeb.terminal.buffer.active;
  const cell = buffer.getLine(buffer.viewportY + at.row).getCell(at.first);
  return [cell.getFgColorMode(), cell.getFgColor(), cell.getBgColorMode(), cell.getBgColor(),
          cell.isBold(), cell.isInverse(), cell.isDim()].join(",");
}}"""
DIFFERENT_JS = f"([a, b]) => {{ const style = {STYLE_JS}; const x = style(a), y = style(b);"\
               " return x !== null && y !== null && x !== y; }"
GEOMETRY_JS = """() => {
  const term = window.kioskWeb.terminal;
  const box = document.querySelector(".xterm-screen").getBoundingClientRect();
  return {left: box.left, top: box.top, cols: term.cols, rows: term.rows,
          cellWidth: box.width / term.cols, cellHeight: box.height / term.rows,
          fontSize: term.options.fontSize};
}"""
# The fonts xterm.js draws with, and whether each of the page's faces has loaded.
FONTS_JS = """async () => {
  await document.fonts.ready;
  const faces = {};
  for (const face of document.fonts) faces[face.family.replaceAll('"', "")] = face.status;
  return {family: window.kioskWeb.terminal.options.fontFamily, faces};
}"""


@dataclass
class WebKiosk:
    url: str
    data_dir: Path
    log: Path


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH"))
                                        if p)
    env["TEXTUAL_ANIMATIONS"] = "none"
    return env


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def web_kiosk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebKiosk]:
    """``python -m main web`` on a free loopback port, stopped (SIGINT) after the tests."""
    folder = tmp_path_factory.mktemp("web-kiosk")
    data_dir, log = folder / "data", folder / "server.log"
    port = free_port()
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "main", "--data-dir", str(data_dir), "web",
             "--port", str(port)], cwd=REPO_ROOT, env=_env(), stdout=out,
            stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: _listening(port) or server.poll() is not None, START_S)
        assert server.poll() is None, log.read_text(errors="replace")
        yield WebKiosk(f"http://127.0.0.1:{port}/", data_dir, log)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=90)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
            raise AssertionError("main.py web did not stop on SIGINT") from None
    # The session's kiosk went with it: the outbox's lock is free again.
    InstanceLock(data_dir / LOCK_FILE).acquire("test").release()


class Kiosk:
    """The kiosk as a page shows it: find a label in the terminal's cells, click it."""

    def __init__(self, page: Page, shots: Path) -> None:
        self.page = page
        self.shots = shots

    def wait_for(self, text: str, count: int = 1) -> None:
        self.page.wait_for_function(SHOWS_JS, arg=[text, count], timeout=TIMEOUT_MS)

    def wait_gone(self, text: str) -> None:
        self.page.wait_for_function(GONE_JS, arg=text, timeout=TIMEOUT_MS)

    def wait_different(self, text: str, other: str) -> None:
        """Until ``text`` is drawn unlike ``other`` (a button enabled, focused, chosen)."""
        self.page.wait_for_function(DIFFERENT_JS, arg=[text, other], timeout=TIMEOUT_MS)

    def geometry(self) -> dict[str, Any]:
        geometry: dict[str, Any] = self.page.evaluate(GEOMETRY_JS)
        return geometry

    def where(self, text: str, nth: int = 0) -> tuple[float, float]:
        """The middle of ``text``'s cells, in page pixels."""
        self.wait_for(text, nth + 1)
        found = self.page.evaluate(FIND_JS, text)[nth]
        g = self.geometry()
        x = g["left"] + (found["first"] + found["end"]) / 2 * g["cellWidth"]
        y = g["top"] + (found["row"] + 0.5) * g["cellHeight"]
        return x, y

    def swipe(self, text: str, rows: int) -> None:
        """A finger put on ``text`` and moved up ``rows`` rows (down if negative): touch
        events, through the DevTools protocol as a touch screen sends them."""
        x, y = self.where(text)
        step = self.geometry()["cellHeight"]
        cdp = self.page.context.new_cdp_session(self.page)
        try:
            def touch(kind: str, at_y: float) -> None:
                points = [] if kind == "touchEnd" else [{"x": x, "y": at_y}]
                cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

            touch("touchStart", y)
            for n in range(1, abs(rows) + 1):
                touch("touchMove", y - n * step * (1 if rows > 0 else -1))
            touch("touchEnd", y - rows * step)
        finally:
            cdp.detach()

    def click(self, text: str, nth: int = 0) -> None:
        self.page.mouse.click(*self.where(text, nth))

    def tap(self, text: str, nth: int = 0) -> None:
        self.page.touchscreen.tap(*self.where(text, nth))

    def shot(self, name: str) -> None:
        self.page.screenshot(path=self.shots / f"{name}.png")

    def open(self, url: str) -> None:
        """The kiosk's home screen. (Right after another test's page, the in-use page may
        come first, until that session has ended: it tries again by itself.)"""
        self.page.goto(url)
        self.page.wait_for_function(SHOWS_JS, arg=["银行客户常办事项", 1],
                                    timeout=START_S * 1000)
        self.wait_for("政务服务自助终端")


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    if os.environ.get("UPDATE_WEB_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        return SHOTS
    return tmp_path


def _fonts_used(page: Page, selector: str) -> set[str]:
    """The fonts the browser drew an element's text with (Chrome DevTools Protocol)."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument")["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    finally:
        cdp.detach()
    return {font["familyName"] for font in fonts}


def _queue(data_dir: Path) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "main", "--data-dir", str(data_dir), "queue",
                          "--json"], cwd=REPO_ROOT, env=_env(), capture_output=True,
                         text=True, check=True, timeout=120)
    report: dict[str, Any] = json.loads(out.stdout)
    return report


def test_journey_a_by_clicks(web_kiosk: WebKiosk, browser_page: Page, shots: Path) -> None:
    kiosk = Kiosk(browser_page, shots)
    responses: list[tuple[int, str]] = []
    browser_page.on("response", lambda r: responses.append((r.status, r.url)))
    kiosk.open(web_kiosk.url)
    # Every font the terminal draws with is ours and has loaded: Latin and Han.
    fonts = browser_page.evaluate(FONTS_JS)
    assert fonts["faces"] == {"Roboto Mono": "loaded", "Kiosk Han": "loaded"}, fonts
    assert fonts["family"].startswith("'Roboto Mono', 'Kiosk Han'"), fonts
    assert all(status < 400 for status, url in responses if url != web_kiosk.url), responses
    kiosk.wait_for("● 已联网")
    kiosk.shot("home")

    kiosk.tap("婚姻登记记录证明")  # hot item 1, tapped as on a touch screen
    kiosk.wait_for("现场测试：")  # the identify screen, with the mock devices' field-test dock
    kiosk.click("张*")  # the demo card 张伟 onto the mock reader
    kiosk.wait_for("310***********1230")
    kiosk.shot("identify")
    kiosk.click("下一步")

    kiosk.wait_for("办理住房贷款")  # the form: its one choice, the purpose
    kiosk.shot("form")
    kiosk.click("办理住房贷款")  # a form of choices only moves on by itself
    kiosk.wait_for("请确认以下信息")
    kiosk.click("确认提交")

    kiosk.wait_for("办理成功")
    kiosk.wait_for("凭条已打印")
    kiosk.wait_for("XH-CCB-0001-000001")
    # The levels wait (dimmed, all alike) until the slip is out and the number has been
    # seen a while; then the best one lights up, focused, unlike the others.
    kiosk.wait_different("5 非常满意", "3 基本满意")
    kiosk.shot("done")
    kiosk.click("2 不满意")  # a low level asks why: the rating screen stays for it

    kiosk.wait_for("✔ 不满意")  # the rating screen, with that level taken
    kiosk.wait_for("请选择不满意的原因")
    kiosk.click("办理时间太长")
    kiosk.wait_different("办理时间太长", "步骤繁琐")  # the reason is chosen
    kiosk.shot("rating")
    kiosk.click("提交评价")
    kiosk.wait_for("感谢您的评价")
    kiosk.wait_for("银行客户常办事项")  # home again

    # The application and its rating are in the outbox (or already with the platform).
    def queued_two() -> bool:
        queue = _queue(web_kiosk.data_dir)
        assert queue["quarantined"] == 0, queue
        return bool(queue["pending"] + queue["acknowledged"] == 2)

    wait_for(queued_two, 60)


def test_elder_mode_grows_the_text(web_kiosk: WebKiosk, browser_page: Page,
                                   shots: Path) -> None:
    kiosk = Kiosk(browser_page, shots)
    kiosk.open(web_kiosk.url)
    before = kiosk.geometry()
    assert before["cols"] >= 120 and before["rows"] >= 40, before

    kiosk.click("长者模式：关")
    kiosk.wait_for("长者模式：开")
    kiosk.wait_for("长者常办事项")
    expected = round(before["fontSize"] * ELDER_TEXT_SCALE)
    browser_page.wait_for_function(
        "(size) => window.kioskWeb.terminal.options.fontSize === size", arg=expected)
    after = kiosk.geometry()
    # Drawn larger: each cell (so each character) is about a quarter taller and wider.
    assert after["cellHeight"] >= before["cellHeight"] * 1.15, (before, after)
    assert after["cellWidth"] >= before["cellWidth"] * 1.15, (before, after)
    # ...and the kiosk was told: it lays itself out on fewer, larger cells.
    assert after["rows"] < before["rows"] and after["cols"] < before["cols"]
    kiosk.shot("elder")

    # The longer page scrolls with a swipe up (touch, as on the kiosk's screen).
    assert not browser_page.evaluate(FIND_JS, SIXTH_ELDER_ITEM)  # below the fold
    kiosk.swipe("长者常办事项", rows=12)
    kiosk.wait_for(SIXTH_ELDER_ITEM)
    kiosk.swipe("长者常办事项", rows=-12)
    kiosk.wait_for("长者模式：开")

    kiosk.click("长者模式：开")
    browser_page.wait_for_function(
        "(size) => window.kioskWeb.terminal.options.fontSize === size",
        arg=before["fontSize"])
    kiosk.wait_for("长者模式：关")


def test_a_second_tab_gets_the_in_use_page(web_kiosk: WebKiosk, browser_page: Page,
                                           shots: Path) -> None:
    kiosk = Kiosk(browser_page, shots)
    kiosk.open(web_kiosk.url)

    second = browser_page.context.new_page()
    response = second.goto(web_kiosk.url)
    assert response is not None and response.status == 409
    expect(second.locator("h1")).to_have_text("本终端正在使用中")
    expect(second.locator("#in-use")).to_contain_text("只能在一个页面中使用")
    second.screenshot(path=shots / "in-use.png")
    # Its Han text is drawn with the face the kiosk serves, not a font of this machine's.
    assert _fonts_used(second, "h1") == {"Noto Sans Mono CJK SC"}
    second.get_by_role("link", name="English").click()
    expect(second.locator("h1")).to_have_text("This kiosk is in use")

    # A page that got past the in-use page (loaded while no session ran) is told so on its
    # WebSocket (its script then reloads into the in-use page); no second kiosk starts.
    told = second.evaluate("""(url) => new Promise((resolve) => {
        const ws = new WebSocket(url);
        ws.onmessage = (event) => resolve(event.data);
      })""", web_kiosk.url.replace("http://", "ws://") + "ws")
    assert json.loads(told) == ["kiosk_in_use", None]
    second.close()

    # The first page still has the kiosk, and it answers.
    kiosk.click("English")
    kiosk.wait_for("Government Services Self-Service")
