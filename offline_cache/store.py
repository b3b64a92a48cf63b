"""The kiosk's SQLite file: opened durable (WAL, synchronous=FULL), schema by version."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from contracts.errors import KioskError

_SCHEMA = [
    # version 1
    """
    CREATE TABLE outbox (
        id          TEXT PRIMARY KEY,          -- client UUID: the server's idempotency key
        kiosk_id    TEXT NOT NULL,
        seq         INTEGER NOT NULL UNIQUE,   -- local monotonic sequence; the clock may lie
        kind        TEXT NOT NULL,             -- application | rating
        item_id     TEXT NOT NULL,
        reference   TEXT NOT NULL,
        sealed      BLOB NOT NULL,             -- AES-GCM: identity, answers, decision
        created_at  TEXT NOT NULL,             -- kiosk wall clock, advisory only
        state       TEXT NOT NULL DEFAULT 'pending',
        attempts    INTEGER NOT NULL DEFAULT 0,
        last_error  TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX outbox_state ON outbox(state, seq);
    CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    CREATE TABLE sync_log (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        last_success TEXT, last_error TEXT NOT NULL DEFAULT '', last_attempt TEXT
    );
    INSERT INTO sync_log (id) VALUES (1);
    """,
    # version 2: every slip the kiosk tried to print (masked content only), for reprints
    """
    CREATE TABLE slip_journal (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        reference   TEXT NOT NULL,
        kind        TEXT NOT NULL DEFAULT 'slip',  -- slip | copy | test
        slip        TEXT NOT NULL,             -- the Slip as JSON: already masked
        state       TEXT NOT NULL DEFAULT 'printing',  -- printing | printed | failed
        copies      INTEGER NOT NULL DEFAULT 0, -- reprints that printed, each marked COPY
        created_at  TEXT NOT NULL,
        last_error  TEXT NOT NULL DEFAULT ''
    );
    """,
    # version 3: the outbox's later states, the platform's clock, cached reference data
    """
    ALTER TABLE outbox ADD COLUMN acknowledged_at TEXT;    -- kiosk clock: starts retention
    ALTER TABLE outbox ADD COLUMN received_at TEXT;        -- the platform's receipt stamp
    CREATE INDEX outbox_reference ON outbox(reference);
    ALTER TABLE sync_log ADD COLUMN clock_offset_s REAL;   -- kiosk minus platform, seconds
    ALTER TABLE sync_log ADD COLUMN clock_checked_at TEXT;
    CREATE TABLE reference_cache (
        name        TEXT PRIMARY KEY,          -- catalog | pharmacies | platform_keys
        version     TEXT NOT NULL,
        body        TEXT NOT NULL,             -- JSON, validated before it was stored
        fetched_at  TEXT NOT NULL
    );
    """,
    # version 4: a copy knows its original, so only copies that printed are counted
    """
    ALTER TABLE slip_journal ADD COLUMN copy_of INTEGER REFERENCES slip_journal(id);
    """,
    # version 5: pickup codes collected here, and case timelines as the platform last told
    # them (journeys C and D: what an offline kiosk still knows; nothing personal in either)
    """
    CREATE TABLE collected_codes (
        code_digest TEXT PRIMARY KEY,          -- SHA-256 of the code: a bearer token, not kept
        ref         TEXT NOT NULL,
        collected_at TEXT NOT NULL,            -- kiosk clock
        confirmed   INTEGER NOT NULL           -- 1: the platform redeemed it; 0: offline
    );
    CREATE TABLE case_views (
        reference   TEXT PRIMARY KEY,
        body        TEXT NOT NULL,             -- the platform's case view as JSON, no code
        fetched_at  TEXT NOT NULL              -- kiosk clock
    );
    """,
    # version 6: the pickup cabinet: each compartment's state, and every door command and
    # door change journalled before and after (a power cut mid-door is visible after it)
    """
    CREATE TABLE cabinet_compartments (
        number      INTEGER PRIMARY KEY,       -- the door's number as people see it
        state       TEXT NOT NULL DEFAULT 'empty',
        reference   TEXT,                      -- the case its goods belong to (no person)
        confirmed   INTEGER NOT NULL DEFAULT 0, -- 1: the platform made it ready here
        fault       TEXT NOT NULL DEFAULT '',  -- state 'fault': why staff must look
        phase       TEXT NOT NULL DEFAULT '',  -- state 'fault': load | release | return
        since       TEXT NOT NULL              -- kiosk clock: in this state since
    );
    CREATE UNIQUE INDEX cabinet_one_place ON cabinet_compartments(reference);
    CREATE TABLE cabinet_events (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        at          TEXT NOT NULL,             -- kiosk clock
        number      INTEGER NOT NULL,
        event       TEXT NOT NULL,
        reference   TEXT NOT NULL DEFAULT '',
        detail      TEXT NOT NULL DEFAULT ''
    );
    """,
    # version 7: the staff PIN's lockout survives a restart (offline_cache/staff_lockout.py)
    """
    CREATE TABLE staff_lockout (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        failures    INTEGER NOT NULL DEFAULT 0, -- wrong PINs since the last right one
        locked_until TEXT,                      -- kiosk clock: sign-in locked until then
        checking    INTEGER NOT NULL DEFAULT 0  -- 1: a PIN was being checked (counts as wrong)
    );
    INSERT INTO staff_lockout (id) VALUES (1);
    """,
    # version 8: the kiosk's own state for the fleet view and out-of-service
    # (offline_cache/kiosk_state.py): written by the kiosk, read by its sync
    """
    CREATE TABLE kiosk_state (
        part        TEXT PRIMARY KEY,   -- "devices" or "outages"
        body        TEXT NOT NULL,      -- JSON of contracts.wire models
        updated_at  TEXT NOT NULL       -- kiosk clock
    );
    """,
]


SCHEMA_VERSION = len(_SCHEMA)


class StoreError(KioskError):
    """The store cannot be read: missing, damaged, written by a newer kiosk, or in a folder
    the kiosk may not write."""


class StoreDamaged(StoreError):
    """SQLite finds the file corrupt (its integrity check, or a read that failed)."""


EXPORT_HINT = ("`python main.py export-outbox --out FILE` saves the queued records that"
               " are still readable; then move the file aside and start the kiosk")


def open_store(path: Path, *, check: bool = False) -> sqlite3.Connection:
    """Open (creating and migrating) the store. One connection per thread. ``check``: run
    SQLite's quick integrity check first (once at start; it reads every page)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"{path.parent}: cannot create the data folder ({exc.strerror})"
                         ) from exc
    db = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
    try:
        db.row_factory = sqlite3.Row
        if check:
            _check_integrity(db, path)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
        # Purged personal data is overwritten, not left in free pages.
        db.execute("PRAGMA secure_delete=ON")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(f"{path} was written by a newer kiosk (schema {version}, this one"
                             f" reads up to {SCHEMA_VERSION})")
        for number, script in enumerate(_SCHEMA[version:], start=version + 1):
            db.executescript(f"BEGIN IMMEDIATE; {script}; PRAGMA user_version={number};"
                             " COMMIT;")
    except sqlite3.DatabaseError as exc:
        db.close()
        raise _store_error(path, exc) from exc
    except BaseException:
        db.close()
        raise
    return db


def _check_integrity(db: sqlite3.Connection, path: Path) -> None:
    if not path.exists() or path.stat().st_size == 0:
        return  # a new store
    found = [row[0] for row in db.execute("PRAGMA quick_check(5)").fetchall()]
    if found != ["ok"]:
        raise StoreDamaged(f"{path} is damaged (SQLite's integrity check: {found[0]}); "
                           + EXPORT_HINT)


def _store_error(path: Path, exc: sqlite3.DatabaseError) -> StoreError:
    """SQLite's own words (never data: they name files and pages) in one clear line."""
    text = str(exc)
    if isinstance(exc, sqlite3.OperationalError) and any(
            words in text for words in ("readonly", "read-only", "unable to open")):
        return StoreError(f"{path}: the kiosk cannot write its store ({text}); the data"
                          " folder and the files in it must be writable by the kiosk's user"
                          " (`python main.py queue` still reads it)")
    if isinstance(exc, sqlite3.OperationalError) and "disk is full" in text:
        return StoreError(f"{path}: the disk is full; free space on it and start again")
    if isinstance(exc, sqlite3.OperationalError):
        return StoreError(f"{path}: the store cannot be opened ({text})")
    return StoreDamaged(f"{path} is damaged ({text}); " + EXPORT_HINT)


def open_store_readonly(path: Path) -> sqlite3.Connection:
    """A read-only view for staff tools: never creates, migrates or locks the store. In a
    folder the kiosk may not write (SQLite cannot make its shared-memory file) the file is
    read as it is on disk."""
    if not path.exists():
        raise StoreError(f"no kiosk store at {path}")
    try:
        db = _connect_readonly(path, "mode=ro")
    except sqlite3.OperationalError:
        if os.access(path.parent, os.W_OK) and not _read_only_mount(path):
            raise
        # Nothing can be writing it (no one may write here): no WAL to merge but on disk.
        db = _connect_readonly(path, "immutable=1")
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        db.close()
        raise _store_error(path, exc) from exc
    if version != SCHEMA_VERSION:
        db.close()
        advice = ("start the kiosk once to migrate it" if version < SCHEMA_VERSION else
                  "a newer kiosk wrote it: use that release's tools (docs/deploy.md,"
                  " rolling back)")
        raise StoreError(f"{path} has schema {version}; this tool reads {SCHEMA_VERSION}"
                         f" ({advice})")
    return db


def _connect_readonly(path: Path, mode: str) -> sqlite3.Connection:
    db = sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True, timeout=10,
                         check_same_thread=False)
    db.row_factory = sqlite3.Row
    try:
        db.execute("PRAGMA user_version").fetchone()
    except sqlite3.OperationalError:
        db.close()
        raise
    return db


def _read_only_mount(path: Path) -> bool:
    return bool(os.statvfs(path.parent).f_flag & os.ST_RDONLY)
