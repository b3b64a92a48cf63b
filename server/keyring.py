"""The pseudonym keys, kept in the database only sealed under the platform's data key.

The platform's person key (``settings``: what every pseudonym of a document number is an
HMAC under) and each round's key (``round_keys``: what a round's published pseudonyms are
an HMAC under) live beside the entrants' rows. In clear, a copy of the database alone
would test whether an ID number is present (an ID number has little entropy) and join a
round's published list to its entries. So each is stored sealed (AES-256-GCM, server.
sealing) under the data key, which is never in the database, and bound to its row.

A key written in clear by a platform before this (32 bytes, not a sealed value) is read
and sealed in place on the next start. A sealed key the data key given cannot open is a
refusal to start, never a new key: a new person key would silently make every entry,
case and lockout someone else's.
"""

from __future__ import annotations

import secrets
import threading
from datetime import datetime

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from server.db import round_keys, settings
from server.sealing import DataKeyError, PayloadCipher, SealError

PSEUDONYM_KEY = "pseudonym-key"
_CLEAR_LENGTH = 32  # a key stored before sealing: the raw bytes (a sealed one is longer)


class PseudonymKeyError(DataKeyError):
    """A pseudonym key in the database that this platform's data key cannot open."""


def pseudonym_key(engine: Engine, cipher: PayloadCipher) -> bytes:
    """The platform's person key, made once and kept sealed; a clear one left by an
    older platform is sealed now, and so are clear round keys. Concurrent first starts
    agree on one."""
    with engine.begin() as conn:
        _insert_once(conn, settings, "name", PSEUDONYM_KEY, {
            "value": cipher.seal(secrets.token_bytes(32), _PERSON_CONTEXT)})
        stored = bytes(conn.execute(select(settings.c.value)
                                    .where(settings.c.name == PSEUDONYM_KEY)).scalar_one())
        if len(stored) == _CLEAR_LENGTH:
            conn.execute(update(settings).where(settings.c.name == PSEUDONYM_KEY)
                         .values(value=cipher.seal(stored, _PERSON_CONTEXT)))
            key = stored
        else:
            key = _open(cipher, stored, _PERSON_CONTEXT, "the platform's pseudonym key")
        _seal_clear_round_keys(conn, cipher)
    return key


class RoundKeyCache:
    """round id -> its opened pseudonym key, for the app's life: a round's key never
    changes once made (every answer to an entry needs it: bench/RESULTS.md)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: dict[str, bytes] = {}

    def get(self, round_id: str) -> bytes | None:
        with self._lock:
            return self._kept.get(round_id)

    def put(self, round_id: str, key: bytes) -> None:
        with self._lock:
            self._kept[round_id] = key


def round_key(conn: Connection, cipher: PayloadCipher, round_id: str, now: datetime,
              cache: RoundKeyCache | None = None) -> bytes:
    """The round's pseudonym key, made on first use and kept sealed; concurrent first
    uses agree. ``cache``: the serving app's (None: read it now)."""
    known = None if cache is None else cache.get(round_id)
    if known is not None:
        return known
    key = _round_key(conn, cipher, round_id, now)
    if cache is not None:
        cache.put(round_id, key)
    return key


def _round_key(conn: Connection, cipher: PayloadCipher, round_id: str, now: datetime
               ) -> bytes:
    context = _round_context(round_id)
    _insert_once(conn, round_keys, "round_id", round_id, {
        "key": cipher.seal(secrets.token_bytes(32), context), "created_at": now})
    stored = bytes(conn.execute(select(round_keys.c.key)
                                .where(round_keys.c.round_id == round_id)).scalar_one())
    if len(stored) == _CLEAR_LENGTH:  # left by an older platform since this one started
        conn.execute(update(round_keys).where(round_keys.c.round_id == round_id)
                     .values(key=cipher.seal(stored, context)))
        return stored
    return _open(cipher, stored, context, f"round {round_id}'s pseudonym key")


_PERSON_CONTEXT = b"settings:" + PSEUDONYM_KEY.encode()


def _round_context(round_id: str) -> bytes:
    return b"round_keys:" + round_id.encode()


def _insert_once(conn: Connection, table: Table, column: str, value: str,
                 values: dict[str, object]) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(table).values({column: value, **values})
                 .on_conflict_do_nothing(index_elements=[column]))


def _seal_clear_round_keys(conn: Connection, cipher: PayloadCipher) -> None:
    for round_id, stored in conn.execute(select(round_keys.c.round_id, round_keys.c.key)).all():
        if len(bytes(stored)) == _CLEAR_LENGTH:
            conn.execute(update(round_keys).where(round_keys.c.round_id == round_id)
                         .values(key=cipher.seal(bytes(stored), _round_context(round_id))))


def _open(cipher: PayloadCipher, stored: bytes, context: bytes, what: str) -> bytes:
    try:
        return cipher.open(stored, context)
    except SealError as exc:
        raise PseudonymKeyError(
            f"{what} is sealed under a data key this platform does not hold ({exc}): start"
            " it with the data key it was made with (--data-key, or PLATFORM_DATA_KEY);"
            " a new key would make every entry and case someone else's") from None
