"""A mock printer that keeps every job's ESC/POS bytes as a file, for review and tests."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from devices.printer.printer import PrintError
from devices.status import DeviceStatus, Level


class MockPrinter:
    def __init__(self, jobs_dir: Path, paper_mm: int = 80) -> None:
        self.jobs_dir = jobs_dir
        self.paper_mm = paper_mm
        self._lock = threading.Lock()
        self._status = DeviceStatus.ready()
        jobs_dir.mkdir(parents=True, exist_ok=True)

    def set_status(self, status: DeviceStatus) -> None:
        """Field tests: put the printer into a state (paper out, offline...)."""
        self._status = status

    def jobs(self) -> list[Path]:
        return sorted(self.jobs_dir.glob("job-*.bin"))

    def print_job(self, data: bytes) -> None:
        with self._lock:
            if self._status.level is Level.FAULT:
                raise PrintError(self._status)
            number = len(self.jobs()) + 1
            target = self.jobs_dir / f"job-{number:06d}.bin"
            tmp = target.with_suffix(".tmp")
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            tmp.replace(target)

    def status(self) -> DeviceStatus:
        return self._status

    def close(self) -> None:
        pass
