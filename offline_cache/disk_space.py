"""A full disk must not stop the queue from draining.

Acknowledging, quarantining and purging rewrite rows in place, but SQLite writes every
change to its write-ahead log first, and the log grows until a checkpoint reuses it:
on a disk with no byte left, even "the platform has this one" cannot be written, so
what is queued can never leave. The kiosk keeps a reserve file of a few MiB in its data
folder; when a write that drains the queue finds the disk full, the reserve is deleted
and the write tried once more. Draining then runs within that space (the log is reused
after each checkpoint, purges free pages inside the file), and new submissions, which
are not given the reserve, are refused until staff free space.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
from pathlib import Path

from contracts.errors import KioskError

log = logging.getLogger(__package__)

RESERVE_FILE = "kiosk.reserve"
# Comfortably more than SQLite's write-ahead log before its automatic checkpoint
# (1000 pages of 4 KiB) and the pages acknowledged rows may add to the file.
DEFAULT_RESERVE_BYTES = 8 << 20
# What opening the store needs on a full disk: SQLite's shared-memory index and a log.
OPEN_BYTES = 1 << 20


class DiskFull(KioskError):
    """The kiosk's disk is full: the write did not happen (nothing is half-written)."""

    def __init__(self) -> None:
        super().__init__("the kiosk's disk is full")


def is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.OperationalError):
        return (getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
                or "disk is full" in str(exc))
    return isinstance(exc, OSError) and exc.errno == errno.ENOSPC


class SpaceReserve:
    """A file of ``size`` bytes kept so a full disk can still drain the queue."""

    def __init__(self, path: Path, size: int = DEFAULT_RESERVE_BYTES) -> None:
        self.path = path
        self.size = size

    def ensure(self) -> bool:
        """Make (or grow) the reserve if there is room; False: there is not, and the kiosk
        runs with what reserve it has until space is freed."""
        existed = self.path.exists()
        if existed and self.path.stat().st_size >= self.size:
            return True
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                os.posix_fallocate(fd, 0, self.size)  # real blocks, not a sparse file
            finally:
                os.close(fd)
        except OSError as exc:
            if not existed:
                self.path.unlink(missing_ok=True)
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            log.warning("no room for the %d MiB space reserve: the disk is nearly full",
                        self.size >> 20)
            return False
        return True

    def prepare(self, folder: Path) -> None:
        """At start: keep the reserve; on a disk already full, give back just enough of it
        for SQLite to open the store (its shared-memory and log files), so the queue can
        be read and drained. Everything else the reserve holds stays for draining."""
        free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
        if free >= OPEN_BYTES or not self.path.exists():
            self.ensure()
            return
        size = self.path.stat().st_size
        os.truncate(self.path, max(0, size - OPEN_BYTES))
        log.warning("the disk is full: %d KiB of the space reserve given back to open the"
                    " store; free space on the disk", OPEN_BYTES >> 10)

    def release(self) -> bool:
        """Give the reserve's space back to the disk; False if there was none to give."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        log.warning("the disk is full: the %d MiB space reserve was released so the queue"
                    " can drain; free space on the disk", self.size >> 20)
        return True
