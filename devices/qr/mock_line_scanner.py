"""A line-mode scanner on a pseudo-terminal: 'scanning' a code writes it as a line.

It sits on a ``PtyLine`` (devices/pty_line.py) with no serve thread: the scanner only
talks, so what the host writes is never read.
"""

from __future__ import annotations

import os
from pathlib import Path

from devices.pty_line import OnPtyLine


class MockLineScanner(OnPtyLine):
    def __init__(self, link: Path, line_end: bytes = b"\r\n") -> None:
        super().__init__(link, None, name="mock-line-scanner")
        self.line_end = line_end

    def scan(self, payload: bytes | str) -> None:
        data = payload.encode("utf-8") if isinstance(payload, str) else payload
        self.send_raw(data + self.line_end)

    def send_raw(self, data: bytes) -> None:
        os.write(self._line.master, data)
