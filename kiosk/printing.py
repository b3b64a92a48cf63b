"""Printing a slip with the journal: every slip is journalled before it goes to the
printer, so a job that fails (or a power cut mid-job) leaves it for staff to reprint.

Blocking: a print waits for the printer's status checks; call from a worker thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from contracts.slip import Slip
from devices.hub import DeviceHub
from devices.printer import PrintError, render_slip
from devices.status import DeviceStatus
from offline_cache.slip_journal import JobKind, JournalEntry, SlipJournal

log = logging.getLogger(__package__)


@dataclass(frozen=True, slots=True)
class PrintResult:
    """What one job came to: ``problem`` is None when the printer confirmed it."""

    reference: str
    problem: DeviceStatus | None


@dataclass(frozen=True, slots=True)
class JournalState:
    last: JournalEntry | None  # the last citizen's slip
    not_printed: int  # slips that may not have printed


class SlipPrinting:
    def __init__(self, devices: DeviceHub, journal: SlipJournal) -> None:
        self._devices = devices  # the printer is looked up per job: staff may swap it
        self._journal = journal

    def print_slip(self, slip: Slip, kind: JobKind = JobKind.SLIP) -> PrintResult:
        entry = self._journal.record(slip, kind)  # kept before it prints
        return PrintResult(slip.reference, self._send(entry, slip, kind))

    def reprint_last(self, copy_label: str) -> PrintResult | None:
        """Staff: the last citizen's slip again, marked COPY and counted; None: no slip yet."""
        last = self._journal.last()
        return None if last is None else self._reprint(last, copy_label)

    def find_slip(self, reference: str) -> JournalEntry | None:
        """A citizen's slip in the journal by its reference; None: not printed here."""
        return self._journal.find(reference)

    def reprint(self, reference: str, copy_label: str) -> PrintResult | None:
        """Staff: a slip found by its reference again, exactly as ``reprint_last`` prints
        it (marked COPY, counted once it printed); None: no such slip here."""
        found = self._journal.find(reference)
        return None if found is None else self._reprint(found, copy_label)

    def _reprint(self, original: JournalEntry, copy_label: str) -> PrintResult:
        entry, copy = self._journal.copy_of(original.id, copy_label)
        log.info("staff reprint of %s (copy %s)", original.reference, original.copies + 1)
        return PrintResult(copy.reference, self._send(entry, copy, JobKind.COPY))

    def journal_state(self) -> JournalState:
        return JournalState(self._journal.last(), len(self._journal.not_printed()))

    def _send(self, entry: int, slip: Slip, kind: JobKind) -> DeviceStatus | None:
        printer = self._devices.printer
        data = render_slip(slip, printer.paper_mm, printer.native_qr)
        try:
            printer.print_job(data)
        except PrintError as exc:
            self._journal.finished(entry, exc.status.code)
            log.warning("print job %s (%s, %d bytes) failed: %s", entry, kind, len(data),
                        exc.status.code)
            return exc.status
        self._journal.finished(entry)
        log.info("print job %s (%s, %d bytes) printed", entry, kind, len(data))
        return None
