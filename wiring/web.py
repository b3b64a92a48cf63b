"""``python main.py web``: the kiosk served to a browser on this machine (textual-serve).

The server (aiohttp, from textual-serve) gives the kiosk's page and, for the page's
WebSocket, starts the kiosk as a child process (``main.py ... web --session``) whose
screen the page draws with xterm.js. Rules of our own on top of textual-serve's:

- One kiosk session at a time: the devices and the outbox are one (the child also takes
  the outbox's instance lock). Another tab or browser gets an "in use" page that tries
  again every few seconds; a page that raced past it is told so on its WebSocket.
- Everything the page needs is served here (``wiring/web_assets``: our page, script and
  style; textual-serve's own script and Roboto Mono; the Han face of Noto Sans CJK from
  the installed collection, ``wiring/han_font.py``). A Content-Security-Policy keeps the
  page on this server; textual-serve's template (Google Fonts) is not used.
- Text size: the page picks the largest font that still gives the kiosk 120 x 40 cells,
  and elder mode scales it up (``WebKioskApp`` sends a ``kiosk_text_scale`` meta packet,
  which the server passes on to the page).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import logging
import shlex
import sys
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, ClassVar

import aiohttp_jinja2
import jinja2
import textual_serve
from aiohttp import WSMsgType, web
from textual._path import CSSPathType
from textual.drivers.web_driver import WebDriver
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from kiosk.api import KioskApi
from kiosk.i18n import LANGUAGES, Translator
from screens.app import KioskApp
from wiring.han_font import han_web_font
from wiring.logs import setup_logging

if TYPE_CHECKING:
    from wiring.config import KioskConfig

log = logging.getLogger(__package__)

ASSETS = Path(__file__).resolve().parent / "web_assets"
TEXTUAL_SERVE_STATIC = Path(textual_serve.__file__).resolve().parent / "static"
ELDER_TEXT_SCALE = 1.25  # elder mode's text in the browser, against the normal size
TEXT_SCALE = "kiosk_text_scale"  # the meta packet (app -> server) and message (-> page)
IN_USE = "kiosk_in_use"  # the message to a page that came second
MAX_CELLS = 1000  # columns or rows a page may ask for
STOP_WAIT_S = 30.0  # a session's kiosk has this long to stop before it is killed
_OWN_ASSETS = ("kiosk.js", "kiosk.css")


def _stylesheets_of(cls: type[KioskApp]) -> list[str | PurePath]:
    """A class's CSS_PATH made absolute (Textual reads it relative to the class's module)."""
    paths = cls.CSS_PATH
    listed = [paths] if isinstance(paths, (str, PurePath)) else list(paths or [])
    return [Path(inspect.getfile(cls)).parent / path for path in listed]


class WebKioskApp(KioskApp):
    """The kiosk as the browser runs it: elder mode also grows the page's text."""

    CSS_PATH: ClassVar[CSSPathType | None] = [*_stylesheets_of(KioskApp),
                                              ASSETS / "web.tcss"]

    def __init__(self, api: KioskApi) -> None:
        super().__init__(api)
        self.add_class("-web")

    def elder_changed(self, on: bool) -> None:
        driver = self._driver
        if isinstance(driver, WebDriver):
            driver.write_meta({"type": TEXT_SCALE, "scale": ELDER_TEXT_SCALE if on else 1.0})


class KioskAppService(AppService):
    """One kiosk child process behind one page: passes the text scale on to the page and
    closes the page's socket when the child ends (the page then starts a new session)."""

    async def on_meta(self, data: bytes) -> None:
        import json

        meta = json.loads(data)
        if meta.get("type") == TEXT_SCALE:
            await self.remote_write_str(json.dumps([TEXT_SCALE, float(meta["scale"])]))
            return
        await super().on_meta(data)

    async def run(self) -> None:
        await super().run()
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.remote_close()

    async def stop_within(self, seconds: float) -> int | None:
        """Ask the child to quit; kill it if it has not ended in ``seconds``. Its exit
        status (None: it never started)."""
        process = self._process
        try:
            await asyncio.wait_for(self.stop(), seconds)
        except TimeoutError:
            log.warning("web: the kiosk session did not stop in %.0f s: killed", seconds)
        if process is None:
            return None
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        return await process.wait()


class KioskWebServer:
    """The kiosk's page, its assets and its one session."""

    def __init__(self, command: str, *, default_lang: str, han_font: bytes | None) -> None:
        self.command = command
        self.default_lang = default_lang
        self.han_font = han_font
        self.session: KioskAppService | None = None
        self.sessions_started = 0
        self.download_manager = DownloadManager()

    def make_app(self) -> web.Application:
        app = web.Application()
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(ASSETS))
        app.add_routes([
            web.get("/", self.index),
            web.get("/ws", self.websocket),
            web.get("/kiosk/fonts/han.otf", self.font),
            web.get("/favicon.ico", self.no_icon),
            web.get("/kiosk/{name}", self.asset),
            web.static("/static", TEXTUAL_SERVE_STATIC),
        ])
        app.on_response_prepare.append(self._headers)
        app.on_shutdown.append(self._shutdown)
        return app

    # -- pages ------------------------------------------------------------------------
    def _lang(self, request: web.Request) -> str:
        asked = request.query.get("lang", "")
        return asked if asked in LANGUAGES else self.default_lang

    async def index(self, request: web.Request) -> web.Response:
        lang = self._lang(request)
        t = Translator(lang)
        other = next(code for code in LANGUAGES if code != lang)
        context: dict[str, Any] = {
            "t": t, "lang": lang, "other_lang": other,
            "websocket_url": f"ws://{request.host}/ws",
            "font_size": request.query.get("fontsize", ""),
        }
        if self.session is not None:
            log.info("web: a page asked while the kiosk is in use: the in-use page")
            return aiohttp_jinja2.render_template("in_use.html", request, context, status=409)
        return aiohttp_jinja2.render_template("kiosk.html", request, context)

    async def asset(self, request: web.Request) -> web.FileResponse:
        name = request.match_info["name"]
        if name not in _OWN_ASSETS:
            raise web.HTTPNotFound()
        return web.FileResponse(ASSETS / name)

    async def font(self, request: web.Request) -> web.Response:
        if self.han_font is None:
            raise web.HTTPNotFound(text="no Han font installed")
        return web.Response(body=self.han_font, content_type="font/otf",
                            headers={"Cache-Control": "max-age=86400"})

    async def no_icon(self, request: web.Request) -> web.Response:
        return web.Response(status=204)

    async def _headers(self, request: web.Request, response: web.StreamResponse) -> None:
        # The page may load nothing from anywhere but here (textual.js adds <style> tags).
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:;"
            f" connect-src 'self' ws://{request.host}; base-uri 'none'; form-action 'self'")
        if request.path == "/":
            response.headers["Cache-Control"] = "no-store"

    # -- the session ------------------------------------------------------------------
    async def websocket(self, request: web.Request) -> web.StreamResponse:
        # A browser sends the page's origin: only this server's own page may drive the
        # kiosk (another site open in a browser on this machine may not; the CSP does not
        # stop a page elsewhere from opening a socket here).
        origin = request.headers.get("Origin")
        if origin is not None and origin != f"{request.scheme}://{request.host}":
            log.warning("web: a page from another origin was refused")
            return web.Response(status=403, text="forbidden origin")
        ws = web.WebSocketResponse(heartbeat=15)
        await ws.prepare(request)
        if self.session is not None:
            log.info("web: a second page tried to start a session: told the kiosk is in use")
            await ws.send_json([IN_USE, None])
            await ws.close()
            return ws
        width = _cells(request.query.get("width"), 120)
        height = _cells(request.query.get("height"), 40)
        async def close() -> None:
            await ws.close()

        service = KioskAppService(self.command, write_bytes=ws.send_bytes,
                                  write_str=ws.send_str, close=close,
                                  download_manager=self.download_manager)
        self.session = service
        self.sessions_started += 1
        number = self.sessions_started
        log.info("web: session %d starting (%d x %d cells)", number, width, height)
        try:
            await service.start(width, height)
            await self._messages(ws, service)
        finally:
            status = await service.stop_within(STOP_WAIT_S)
            self.session = None
            log.info("web: session %d ended (kiosk exit status %s)", number, status)
        return ws

    async def _messages(self, ws: web.WebSocketResponse, service: AppService) -> None:
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            width = height = 0
            try:  # a malformed frame is dropped, never the citizen's session
                envelope = message.json()
                kind = envelope[0] if isinstance(envelope, list) and envelope else None
                value: Any = envelope[1] if kind is not None and len(envelope) > 1 else None
                if kind == "resize":
                    width, height = _cells(value["width"], 0), _cells(value["height"], 0)
            except (ValueError, TypeError, KeyError, IndexError):
                log.warning("web: a malformed message from the page was dropped")
                continue
            if kind == "stdin" and value is not None:
                await service.send_bytes(str(value).encode("utf-8"))
            elif kind == "resize" and width and height:
                await service.set_terminal_size(width, height)
            elif kind == "ping":
                await ws.send_json(["pong", value])
            elif kind == "blur":
                await service.blur()
            elif kind == "focus":
                await service.focus()

    async def _shutdown(self, app: web.Application) -> None:
        if self.session is not None:
            await self.session.stop_within(STOP_WAIT_S)


def _cells(value: object, default: int) -> int:
    """A terminal size from the page: a whole number of cells, 1 to 1,000 (a page that
    says more is not believed), else ``default``."""
    try:
        cells = int(str(value))
    except ValueError:
        return default
    return cells if 0 < cells <= MAX_CELLS else default


def session_command(args: argparse.Namespace) -> str:
    """The shell command that starts one kiosk session: this command's own options."""
    argv = [sys.executable, "-m", "main", "--config", str(args.config)]
    if args.data_dir is not None:
        argv += ["--data-dir", str(args.data_dir)]
    if args.platform_url is not None:
        argv += ["--platform-url", args.platform_url]
    if args.mock:
        argv.append("--mock")
    return shlex.join([*argv, "web", "--session"])


def serve(config: KioskConfig, args: argparse.Namespace) -> int:
    """Serve the kiosk on ``args.host``:``args.port`` until interrupted."""
    setup_logging(config.data_dir)
    server = KioskWebServer(session_command(args), default_lang=config.kiosk.language,
                            han_font=han_web_font())
    url = f"http://{args.host}:{args.port}/"
    log.info("web: serving the kiosk on %s", url)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("web: listening on %s, not loopback: any machine that reaches it can"
                    " use the kiosk (staff screens included)", args.host)
        print(f"warning: {args.host} is not loopback: the kiosk is open to the network",
              file=sys.stderr)
    print(f"serving the kiosk on {url} (one session at a time; Ctrl+C stops)", flush=True)
    web.run_app(server.make_app(), host=args.host, port=args.port, print=None,
                handle_signals=True, access_log=None)
    log.info("web: stopped")
    return 0
