"""The kiosk's durable side opened as one: outbox, slip journal, reference cache and the
cabinet journal in one SQLite file, held under the one-process-per-outbox lock.

The lock is taken first and released last, so no second process ever opens the store
while this one has it; a failed open releases everything it took.
"""

from __future__ import annotations

import errno
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from contracts.clock import Clock
from offline_cache.cabinet_journal import CabinetJournal
from offline_cache.case_cache import CaseCache
from offline_cache.collected_codes import CollectedCodes
from offline_cache.disk_space import RESERVE_FILE, SpaceReserve
from offline_cache.instance_lock import InstanceLock
from offline_cache.outbox import Outbox, sealed_records
from offline_cache.reference_cache import ReferenceCache
from offline_cache.sealing import load_cipher
from offline_cache.slip_journal import SlipJournal
from offline_cache.store import StoreError, open_store

STORE_FILE = "kiosk.db"
LOCK_FILE = "kiosk.lock"


@dataclass
class KioskStore:
    lock: InstanceLock
    outbox: Outbox
    journal: SlipJournal
    references: ReferenceCache
    connections: list[sqlite3.Connection]
    collected: CollectedCodes  # pickup codes collected here (journey C)
    cases: CaseCache  # case timelines as last fetched (journey D)
    cabinet: CabinetJournal  # the pickup cabinet's compartments and door journal

    def close(self) -> None:
        for db in self.connections:
            db.close()
        self.lock.release()  # last: another process may open the store from here on


def open_kiosk_store(data_dir: Path, key_file: Path, kiosk_id: str, clock: Clock,
                     holder: str) -> KioskStore:
    """Take the lock (``OutboxBusy`` if another process has it), open and recover the store."""
    try:
        lock = InstanceLock(data_dir / LOCK_FILE).acquire(holder)
    except OSError as exc:  # a read-only folder, a full disk: one clear line, no traceback
        fix = ("free space on that disk" if exc.errno == errno.ENOSPC else
               "the data folder must be writable by the kiosk's user")
        raise StoreError(f"{data_dir / LOCK_FILE}: the kiosk cannot take its lock"
                         f" ({exc.strerror}); {fix} (`python main.py queue` still reads"
                         " the queue)") from exc
    connections: list[sqlite3.Connection] = []

    def connect() -> sqlite3.Connection:  # each part its own connection
        # The first checks the file's integrity: a damaged store is said at start.
        connections.append(open_store(data_dir / STORE_FILE, check=not connections))
        return connections[-1]

    try:
        # A reserve of disk space lets a full disk still drain the queue (disk_space).
        reserve = SpaceReserve(data_dir / RESERVE_FILE)
        reserve.prepare(data_dir)
        db = connect()
        # A key file that vanished under sealed records is a fault, never a new key.
        outbox = Outbox(db, load_cipher(key_file, sealed_records(db)), clock, kiosk_id,
                        on_full=reserve.release)
        outbox.check_key()
        outbox.recover()  # rows left "sending" by a process that died mid-flight
        journal = SlipJournal(connect(), clock)
        references = ReferenceCache(connect(), clock)
        collected = CollectedCodes(connect(), clock)
        cases = CaseCache(connect(), clock)
        cabinet = CabinetJournal(connect(), clock)
    except BaseException:
        for db in connections:
            db.close()
        lock.release()
        raise
    return KioskStore(lock, outbox, journal, references, connections, collected, cases,
                      cabinet)
