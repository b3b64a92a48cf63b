"""A mock ESC/POS printer on a TCP socket (like port 9100) or a pseudo-terminal.

It answers the real-time status queries DLE EOT 1/2/4 as a printer does, keeps
every job it completes (a job ends at the cut, GS V) as a file, and takes faults
live: paper near end, paper out, cover open, off line, and paper running out in
the middle of the next job. While it cannot print, what it receives is lost,
as on a real printer that has stopped.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from devices.printer.status import PrinterState, status_bytes
from devices.pty_line import PtyLine, incoming

_DLE_EOT = b"\x10\x04"
_CUT = b"\x1d\x56"

_T = TypeVar("_T")


class MockPrinterDevice:
    def __init__(self, jobs_dir: Path) -> None:
        self.jobs_dir = jobs_dir
        jobs_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._state = PrinterState.READY
        self._paper_left: int | None = None  # bytes until the paper runs out mid-job
        self._pending = bytearray()  # bytes not yet understood (a split command)
        self._job = bytearray()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._servers: list[socket.socket] = []
        self._lines: list[PtyLine] = []
        self.address: tuple[str, int] | None = None
        self.link: Path | None = None

    # -- transports -------------------------------------------------------------
    def serve_tcp(self, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        server = socket.create_server((host, port))
        server.settimeout(0.1)
        self._servers.append(server)
        self.address = server.getsockname()[:2]
        self._spawn(self._accept_loop, server)
        return self.address

    def serve_pty(self, link: Path) -> str:
        line = PtyLine(link, self._fd_loop, name="mock-printer")
        line.plug_in()
        self._lines.append(line)
        self.link = link
        return line.port

    def as_usb(self) -> _UsbPrinter:
        """The printer as pyusb would hand it to python-escpos (tests put it behind
        ``usb.core.find``): writes go to the printer, reads return its answers."""
        return _UsbPrinter(self)

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)
        for server in self._servers:
            server.close()
        for line in self._lines:
            line.unplug()

    def _spawn(self, target: Callable[[_T], None], arg: _T) -> None:
        thread = threading.Thread(target=target, args=(arg,), daemon=True, name="mock-printer")
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self, server: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(0.1)
            with conn:
                while not self._stop.is_set():
                    try:
                        data = conn.recv(4096)
                    except TimeoutError:
                        continue
                    except OSError:
                        break
                    if not data:
                        break
                    if reply := self.feed(data):
                        conn.sendall(reply)

    def _fd_loop(self, master: int, stop: threading.Event) -> None:
        for data in incoming(master, stop):
            if reply := self.feed(data):
                os.write(master, reply)

    # -- field tester's controls ----------------------------------------------
    def set_state(self, state: PrinterState) -> None:
        with self._lock:
            self._state = state

    def run_out_after(self, nbytes: int) -> None:
        """The paper runs out after ``nbytes`` more bytes of the next job."""
        with self._lock:
            self._paper_left = nbytes

    def load_paper(self) -> None:
        with self._lock:
            self._state = PrinterState.READY
            self._paper_left = None

    @property
    def state(self) -> PrinterState:
        return self._state

    def jobs(self) -> list[Path]:
        return sorted(self.jobs_dir.glob("job-*.bin"))

    # -- the printer ------------------------------------------------------------
    def feed(self, data: bytes) -> bytes:
        """Take bytes from the host; return what the printer answers."""
        replies = bytearray()
        with self._lock:
            self._pending += data
            while self._pending:
                at = self._pending.find(_DLE_EOT)
                if at == 0:
                    if len(self._pending) < 3:
                        break
                    replies.append(status_bytes(self._state).get(self._pending[2], 0x12))
                    del self._pending[:3]
                    continue
                chunk_end = at if at > 0 else len(self._pending)
                if at < 0 and self._pending.endswith(b"\x10"):
                    chunk_end -= 1  # maybe the start of a DLE EOT split across reads
                if chunk_end == 0:
                    break
                self._print(bytes(self._pending[:chunk_end]))
                del self._pending[:chunk_end]
        return bytes(replies)

    def _print(self, data: bytes) -> None:
        if self._state not in (PrinterState.READY, PrinterState.PAPER_NEAR_END):
            return  # stopped: nothing prints
        if self._paper_left is not None:
            if len(data) >= self._paper_left:
                self._job += data[: self._paper_left]
                self._paper_left = None
                self._state = PrinterState.PAPER_OUT
                self._save(complete=False)
                return
            self._paper_left -= len(data)
        self._job += data
        while (cut := self._job.find(_CUT)) >= 0 and len(self._job) >= cut + 3:
            end = cut + (4 if self._job[cut + 2] in (65, 66) else 3)
            if len(self._job) < end:
                break
            rest = self._job[end:]
            del self._job[end:]
            self._save(complete=True)
            self._job += rest

    def _save(self, complete: bool) -> None:
        number = len(list(self.jobs_dir.glob("job-*"))) + 1
        suffix = "bin" if complete else "partial"
        target = self.jobs_dir / f"job-{number:06d}.{suffix}"
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(bytes(self._job))
        tmp.replace(target)
        self._job.clear()


class _UsbPrinter:
    """Just what python-escpos's Usb printer calls on a pyusb device."""

    class backend:
        pass
    _ctx = type("Context", (), {"dispose": lambda self, device: None})()

    def __init__(self, device: MockPrinterDevice) -> None:
        self._device = device
        self._answers = bytearray()

    def set_configuration(self) -> None:
        pass

    def reset(self) -> None:
        pass

    def write(self, endpoint: int, data: bytes, timeout: int | None = None) -> int:
        self._answers += self._device.feed(bytes(data))
        return len(data)

    def read(self, endpoint: int, size: int, timeout: int | None = None) -> bytes:
        from usb.core import USBTimeoutError

        if not self._answers:
            raise USBTimeoutError("Operation timed out", 110, 110)
        answer, self._answers = bytes(self._answers[:size]), self._answers[size:]
        return answer
