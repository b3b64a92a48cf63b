"""One kiosk process per outbox.

Two processes draining one outbox would each mark rows "sending" and each
reset the other's on start-up. The lock is ``flock`` on a file beside the
store: the kernel drops it when its holder dies, even by SIGKILL or power
loss, so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path

from contracts.errors import KioskError


class OutboxBusy(KioskError):
    """Another process already holds this outbox."""


class InstanceLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, holder: str) -> InstanceLock:
        """Take the lock or raise ``OutboxBusy`` naming who has it. ``holder``: our role."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise OutboxBusy(
                f"{other} is already using the outbox in {self.path.parent};"
                " only one kiosk process may run per outbox (stop it first)") from None
        os.ftruncate(fd, 0)
        try:
            os.pwrite(fd, f"{holder} (pid {os.getpid()})".encode(), 0)
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                os.close(fd)
                raise
            # A full disk: the lock holds all the same; only "who has it" goes unsaid.
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None
