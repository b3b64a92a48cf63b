"""Where python-escpos keeps its parsed printer-profile database between starts.

On import python-escpos parses its profile database (a YAML/JSON file of every known
printer, about 0.12 s on this machine kind) unless it finds a pickle of it in
``ESCPOS_CAPABILITIES_PICKLE_DIR``. Unset, that is a new temporary folder per process:
the pickle is never found again, and each start leaves a folder in /tmp. Pointing it
at a folder of the kiosk's own makes every start after the first load the pickle.

The library writes that pickle in place, so a start killed mid-write would leave a
file its next import fails on: a pickle that does not load is removed first.
"""

from __future__ import annotations

import logging
import os
import pickle
import platform
from pathlib import Path

log = logging.getLogger(__package__)

ENV = "ESCPOS_CAPABILITIES_PICKLE_DIR"


def pickle_path(folder: Path) -> Path:
    """The file python-escpos reads and writes in ``folder`` (its own naming)."""
    return folder / f"{platform.python_version()}.capabilities.pickle"


def use_profile_cache(folder: Path) -> None:
    """Keep python-escpos's parsed profiles in ``folder`` (made 0700: the kiosk alone
    may write a file it unpickles). Call before python-escpos is first imported; an
    ``ESCPOS_CAPABILITIES_PICKLE_DIR`` already set is left alone."""
    if ENV in os.environ:
        return
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    _drop_if_unreadable(pickle_path(folder))
    os.environ[ENV] = str(folder)


def _drop_if_unreadable(path: Path) -> None:
    try:
        with path.open("rb") as file:
            pickle.load(file)  # our own 0700 folder, written by python-escpos
    except FileNotFoundError:
        return
    except Exception:  # noqa: BLE001 - truncated or foreign: the library rebuilds it
        log.warning("printer profile cache %s unreadable: removed, rebuilt on import", path)
        path.unlink(missing_ok=True)
