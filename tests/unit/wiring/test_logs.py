"""Where the kiosk's log goes: the rotating file in the data folder, never the terminal."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from wiring.logs import setup_logging, stop_logging


def test_records_go_to_the_data_folder_and_not_over_the_screen(tmp_path: Path) -> None:
    root = logging.getLogger()
    # What a library's logging.basicConfig() leaves (python-escpos calls it on import).
    stray = logging.StreamHandler(sys.stderr)
    root.addHandler(stray)
    try:
        path = setup_logging(tmp_path / "data")
        assert stray not in root.handlers  # the terminal belongs to the kiosk's UI
        logging.getLogger("devices").warning("printer: fault paper_out")
        for handler in root.handlers:
            handler.flush()
        assert path == tmp_path / "data" / "logs" / "kiosk.log"
        assert "WARNING devices: printer: fault paper_out" in path.read_text(encoding="utf-8")
        setup_logging(tmp_path / "data")  # again (a second command): still one file handler
        ours = [h for h in root.handlers if getattr(h, "_kiosk", False)]
        assert len(ours) == 1
    finally:
        stop_logging()
        root.removeHandler(stray)
    assert not [h for h in root.handlers if getattr(h, "_kiosk", False)]
