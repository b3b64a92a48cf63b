"""The platform run inside the kiosk process, on loopback (demo mode and tests); over
TLS when given a certificate and its key (the kiosk's HTTPS tests)."""

from __future__ import annotations

import socket
import threading
from datetime import datetime
from pathlib import Path

import uvicorn

from contracts.clock import Clock
from server.credentials import Role
from server.demo_cases import add_demo_cases
from server.demo_codes import demo_pickup_codes, genuine_demo_code
from server.demo_rounds import add_demo_rounds
from server.platform import build_platform


class _Server(uvicorn.Server):
    """uvicorn's server with an event set once it accepts connections."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self.ready.set()


class EmbeddedPlatform:
    def __init__(self, db_url: str, signing_key: Path, host: str = "127.0.0.1",
                 port: int = 0, clock: Clock | None = None, demo_rounds: bool = True,
                 demo_cases: bool = False, ssl_certfile: Path | None = None,
                 ssl_keyfile: Path | None = None, allow_test_beacon: bool = True) -> None:
        # The demo draws on the test beacon chain without the internet; a test of what a
        # real platform refuses turns it off.
        platform = build_platform(db_url, signing_key, clock,
                                  allow_test_beacon=allow_test_beacon)
        self._demo_rounds = demo_rounds
        # Off unless asked for: a demo person's progress by card would list them.
        self._demo_cases = demo_cases
        self.platform = platform
        self.signer = platform.signer
        self.engine = platform.engine
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self._tls = ssl_certfile is not None
        config = uvicorn.Config(platform.app, log_level="warning", access_log=False,
                                ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile)
        self._server = _Server(config)
        self._thread = threading.Thread(
            target=lambda: self._server.run(sockets=[self._sock]),
            name="embedded-platform",
            daemon=True,
        )

    def enrol(self, role: Role, ident: str) -> str:
        """A credential for ``ident`` (demo mode enrols its own kiosk this way)."""
        return self.platform.enrol(role, ident)

    def demo_pickup_codes(self, now: datetime) -> dict[str, str]:
        """Field-test codes: one this platform issued, altered, forged, expired."""
        genuine = genuine_demo_code(self.engine, self.signer, now)
        return demo_pickup_codes(self.signer, now, genuine)

    def add_demo_rounds(self, now: datetime) -> list[str]:
        """The two open demo rounds (server.demo_rounds), around ``now``."""
        return add_demo_rounds(self.engine, now, self.platform.caches.rounds)

    def add_demo_cases(self, now: datetime) -> list[str]:
        """The two approved demo cases for the cabinet (server.demo_cases): those made."""
        assert self.platform.cipher is not None  # build_platform always gives one
        return add_demo_cases(self.engine, self.platform.cipher, now)

    @property
    def url(self) -> str:
        host, port = self._sock.getsockname()[:2]
        return f"{'https' if self._tls else 'http'}://{host}:{port}"

    def start(self, timeout: float = 10.0) -> str:
        if self._demo_rounds:
            self.add_demo_rounds(self.platform.clock.now())
        if self._demo_cases:
            self.add_demo_cases(self.platform.clock.now())
        self._thread.start()
        if not self._server.ready.wait(timeout):
            raise RuntimeError(f"embedded platform did not start within {timeout:.0f} s")
        return self.url

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._sock.close()
        self.engine.dispose()
