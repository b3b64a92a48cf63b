"""A mock serial device's line: a pseudo-terminal whose slave a driver opens through a
symlink, as it would a /dev/serial/by-id link, so unplug and replug keep the path while
the tty behind it changes.

Invariant: while plugged, ``link`` points at the slave of a live pty and at most one serve
thread reads its master; unplugging stops and joins that thread before the fds close, so
it never reads a closed (or reused) fd. The link is made atomically: a driver never sees
a half-made one. Pacing is 8N1, 10 bits a byte.
"""

from __future__ import annotations

import os
import pty
import select
import threading
import time
import tty
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Self

# How long a serve loop waits for bytes before looking at its stop event again.
_POLL_S = 0.05
_JOIN_S = 2.0  # a serve thread stops within a poll or a pacing step; this is a backstop

Serve = Callable[[int, threading.Event], None]
"""A device's side of the line: serve(master_fd, stop) until stop is set or the fd fails."""


class PtyLine:
    """One pty behind ``link`` while plugged in; ``serve`` runs on a thread of its own."""

    def __init__(self, link: Path, serve: Serve | None = None, *, name: str = "mock-line"
                 ) -> None:
        self.link = link
        self._serve = serve
        self._name = name
        self._fds: tuple[int, int] | None = None  # (master, slave)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def port(self) -> str:
        return str(self.link)

    @property
    def plugged(self) -> bool:
        return self._fds is not None

    @property
    def master(self) -> int:
        """The device's end; AssertionError when unplugged (a test's mistake)."""
        assert self._fds is not None, f"{self._name} is unplugged"
        return self._fds[0]

    def plug_in(self) -> None:
        """A fresh pty behind the link and, given ``serve``, a thread serving it; a line
        already plugged in is left as it is."""
        if self._fds is not None:
            return
        master, slave = pty.openpty()
        tty.setraw(slave)  # no echo, no CR/LF translation: a binary line
        self._fds = (master, slave)
        tmp = self.link.with_name(self.link.name + ".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(os.ttyname(slave))
        tmp.replace(self.link)  # atomic: the driver never sees a half-made link
        if self._serve is not None:
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._serve, args=(master, self._stop),
                                            name=self._name, daemon=True)
            self._thread.start()

    def unplug(self) -> None:
        fds, self._fds = self._fds, None
        if fds is None:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=_JOIN_S)
            self._thread = None
        self.link.unlink(missing_ok=True)
        for fd in fds:
            os.close(fd)

    def replug(self) -> None:
        self.plug_in()


def incoming(master: int, stop: threading.Event, size: int = 4096) -> Iterator[bytes]:
    """What the host writes, a read at a time, until ``stop`` is set or the line is gone."""
    while not stop.is_set():
        ready, _, _ = select.select([master], [], [], _POLL_S)
        if not ready:
            continue
        try:
            chunk = os.read(master, size)
        except OSError:
            return
        yield chunk


def wire_time_s(nbytes: int, baudrate: int) -> float:
    """Time ``nbytes`` take on an 8N1 line: 10 bits each."""
    return nbytes * 10 / baudrate


def write_paced(master: int, data: bytes, stop: threading.Event, *, baudrate: int | None,
                step: int = 1) -> None:
    """Send ``data`` ``step`` bytes at a time, each step when its last byte would have left
    at ``baudrate`` (None: at once); gives up when ``stop`` is set or the line is gone."""
    start = time.monotonic()
    for at in range(0, len(data), step):
        piece = data[at:at + step]
        if baudrate is not None:
            # Against the start, not step by step: sleeps overshoot, and would add up.
            due = start + wire_time_s(at + len(piece), baudrate)
            if stop.wait(max(0.0, due - time.monotonic())):
                return
        try:
            os.write(master, piece)
        except OSError:
            return


class OnPtyLine:
    """A mock device on a ``PtyLine``: started, closed, unplugged and replugged as one,
    at ``link``/``port``. A subclass passes its serve loop (or None: it only talks)."""

    def __init__(self, link: Path, serve: Serve | None, *, name: str) -> None:
        self._line = PtyLine(link, serve, name=name)

    def start(self) -> Self:
        self._line.plug_in()
        return self

    def close(self) -> None:
        self._line.unplug()

    def unplug(self) -> None:
        self._line.unplug()

    def replug(self) -> None:
        self._line.replug()

    @property
    def link(self) -> Path:
        return self._line.link

    @property
    def port(self) -> str:
        return self._line.port

    @property
    def plugged(self) -> bool:
        return self._line.plugged
