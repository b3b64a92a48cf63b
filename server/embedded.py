"""The platform run inside the kiosk process, on loopback (demo mode and tests)."""

from __future__ import annotations

import socket
import threading
from datetime import datetime
from pathlib import Path

import uvicorn

from server.app import create_app
from server.db import make_engine
from server.demo_codes import demo_pickup_codes
from server.signing import PickupSigner, load_signing_key


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
                 port: int = 0) -> None:
        self.signer = PickupSigner(load_signing_key(signing_key))
        self._engine = make_engine(db_url)
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        config = uvicorn.Config(create_app(self._engine), log_level="warning", access_log=False)
        self._server = _Server(config)
        self._thread = threading.Thread(
            target=lambda: self._server.run(sockets=[self._sock]),
            name="embedded-platform",
            daemon=True,
        )

    def demo_pickup_codes(self, now: datetime) -> dict[str, str]:
        """Field-test codes: genuine from this platform's key, altered, forged, expired."""
        return demo_pickup_codes(self.signer, now)

    @property
    def url(self) -> str:
        host, port = self._sock.getsockname()[:2]
        return f"http://{host}:{port}"

    def start(self, timeout: float = 10.0) -> str:
        self._thread.start()
        if not self._server.ready.wait(timeout):
            raise RuntimeError(f"embedded platform did not start within {timeout:.0f} s")
        return self.url

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)
        self._sock.close()
        self._engine.dispose()
