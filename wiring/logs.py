"""Where the kiosk's logs go: a rotating file in the data folder, and the systemd journal
when a service manager started the process.

Every package logs through its own logger (``logging.getLogger(__package__)``). What
is logged is events and counts: device status changes, print jobs and their outcome,
sync passes, staff actions, start and stop; never a name, an ID number, a phone or an
address. As a second line of defence a filter masks any run of digits long enough to
be an ID or phone number before a record is written anywhere.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

LOG_FILE = "kiosk.log"
# 1 MiB a file, five old files kept: weeks of events on a kiosk, bounded on a small disk.
MAX_BYTES = 1 << 20
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JOURNAL_SOCKET = Path("/dev/log")

# 11 or more digits (an 18-digit ID number, its 17 digits and X, an 11-digit mobile).
_LONG_NUMBER = re.compile(r"\d{6,}[\dXx]{5,}")
_OUR_ROOT = Path(__file__).resolve().parent.parent
CRASH_LINE = "error: the kiosk stopped on an unexpected {kind}; the log says where"


class MaskNumbers(logging.Filter):
    """Masks long digit runs in the formatted message (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _LONG_NUMBER.sub(lambda m: m.group()[:3] + "*" * (len(m.group()) - 3), message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def under_systemd() -> bool:
    return "INVOCATION_ID" in os.environ or "JOURNAL_STREAM" in os.environ


def setup_logging(data_dir: Path, *, level: int = logging.INFO) -> Path:
    """Send every package's records to ``<data_dir>/logs/kiosk.log`` (and the journal under
    systemd); returns the log file's path. Safe to call again (tests, several commands)."""
    folder = data_dir / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_FILE
    stop_logging()
    root = logging.getLogger()
    # The terminal belongs to the kiosk's UI: a library's own logging.basicConfig()
    # (python-escpos calls it on import) must not print records over the screen.
    for stray in [h for h in root.handlers if type(h) is logging.StreamHandler]:
        root.removeHandler(stray)
    handlers: list[logging.Handler] = [logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")]
    if under_systemd() and JOURNAL_SOCKET.exists():
        # journald reads the syslog socket; the terminal belongs to the kiosk's UI.
        journal = logging.handlers.SysLogHandler(address=str(JOURNAL_SOCKET))
        journal.ident = "gov-kiosk: "
        handlers.append(journal)
    for handler in handlers:
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(MaskNumbers())
        handler._kiosk = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    # A log that cannot be written (a full disk) must not print a traceback of the record
    # over the kiosk's screen, nor stop what was being logged.
    logging.raiseExceptions = False
    # Every request line would drown the events; failures reach us as sync reports.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return path


def stop_logging() -> None:
    """Detach and close what ``setup_logging`` attached (tests; a clean stop)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_kiosk", False)]:
        root.removeHandler(handler)
        handler.close()


# -- crashes ------------------------------------------------------------------------------
# An exception's message and its frames' locals may hold personal data (a pydantic error
# quotes its input; a batch of transactions is a local of the sync pass). What a crash
# leaves behind is its type and where it happened: in the log, and one line on stderr.
def crash_place(tb: TracebackType | None) -> str:
    """The innermost frame of ours (file:line in function), else the innermost of all."""
    frames = traceback.extract_tb(tb)
    ours = [f for f in frames if Path(f.filename).resolve().is_relative_to(_OUR_ROOT)]
    if not (ours or frames):
        return "?"
    frame = (ours or frames)[-1]
    return f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}"


def report_crash(exc: BaseException, what: str = "the kiosk stops") -> None:
    """Log an unexpected error by type and place only, and say one line on stderr."""
    logging.getLogger(__package__).error("unexpected %s at %s; %s", type(exc).__name__,
                                         crash_place(exc.__traceback__), what)
    print(CRASH_LINE.format(kind=type(exc).__name__), file=sys.stderr, flush=True)


def install_crash_hooks() -> None:
    """For the process (main.py): an exception no one caught, in the main thread or any
    other, is reported by ``report_crash``, never as a traceback with its message."""

    def main_thread(kind: type[BaseException], exc: BaseException,
                    tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            return
        report_crash(exc.with_traceback(tb))

    def other_thread(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None and not isinstance(args.exc_value, SystemExit):
            name = args.thread.name if args.thread is not None else "?"
            report_crash(args.exc_value.with_traceback(args.exc_traceback),
                         f"thread {name} ended")

    sys.excepthook = main_thread
    threading.excepthook = other_thread
