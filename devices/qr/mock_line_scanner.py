"""A line-mode scanner on a pseudo-terminal: 'scanning' a code writes it as a line."""

from __future__ import annotations

import os
import pty
import tty
from pathlib import Path


class MockLineScanner:
    def __init__(self, link: Path, line_end: bytes = b"\r\n") -> None:
        self.link = link
        self.line_end = line_end
        self._fds: tuple[int, int] | None = None

    def start(self) -> MockLineScanner:
        master, slave = pty.openpty()
        tty.setraw(slave)
        self._fds = (master, slave)
        tmp = self.link.with_name(self.link.name + ".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(os.ttyname(slave))
        tmp.replace(self.link)
        return self

    @property
    def port(self) -> str:
        return str(self.link)

    def scan(self, payload: bytes | str) -> None:
        data = payload.encode("utf-8") if isinstance(payload, str) else payload
        assert self._fds is not None, "the scanner is unplugged"
        os.write(self._fds[0], data + self.line_end)

    def send_raw(self, data: bytes) -> None:
        assert self._fds is not None, "the scanner is unplugged"
        os.write(self._fds[0], data)

    def unplug(self) -> None:
        fds, self._fds = self._fds, None
        if fds is not None:
            self.link.unlink(missing_ok=True)
            for fd in fds:
                os.close(fd)

    def replug(self) -> None:
        if self._fds is None:
            self.start()

    def close(self) -> None:
        self.unplug()
