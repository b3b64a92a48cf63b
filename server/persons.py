"""Who a request is about: document checks, age, and the pseudonym the platform
keeps instead of the document number.

The pseudonym is HMAC-SHA256 of "type:number" under a key the platform makes on
first start (in ``settings``): an ID number has too little entropy for a plain
hash to hide it. The same person gets the same pseudonym at every kiosk, which
is what "one entry per person" and the lockout rest on. It never leaves the platform.

What a round's draws publish, and what the kiosk is told, is another pseudonym:
HMAC-SHA256 of that person key under the round's own key (``round_keys``, made on
first use). Two rounds' lists cannot be joined by anyone who sees them, and neither
the person key nor a document number names anyone in a list without the round's key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from contracts.identity import birth_date_of, id_number_problem, normalise_id_number
from contracts.platform_api import DocumentType, EntryOutcome
from server.db import round_keys, settings
from server.lottery import pseudonym as hmac_pseudonym

PSEUDONYM_KEY = "pseudonym-key"


_ID_SHAPED = (DocumentType.RESIDENT_ID, DocumentType.HMT_RESIDENCE_PERMIT)


def pseudonym_key(engine: Engine) -> bytes:
    """The platform's pseudonym key, made once; concurrent first starts agree on one."""
    with engine.begin() as conn:
        row = conn.execute(select(settings.c.value).where(settings.c.name == PSEUDONYM_KEY)
                           ).first()
        if row is None:
            key = secrets.token_bytes(32)
            conn.execute(settings.insert().values(name=PSEUDONYM_KEY, value=key))
            return key
        return bytes(row.value)


def person_of(key: bytes, document_type: str, number: str) -> str:
    return hmac_pseudonym(key, f"{document_type}:{normalise_id_number(number)}")


def round_key(conn: Connection, round_id: str, now: datetime) -> bytes:
    """The round's pseudonym key, made on first use; concurrent first uses agree."""
    query = select(round_keys.c.key).where(round_keys.c.round_id == round_id)
    kept = conn.execute(query).scalar()
    if kept is not None:
        return bytes(kept)
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(
        round_keys).values(round_id=round_id, key=secrets.token_bytes(32), created_at=now)
    conn.execute(insert.on_conflict_do_nothing(index_elements=["round_id"]))
    return bytes(conn.execute(query).scalar_one())


def round_pseudonym(key: bytes, person: str) -> str:
    """A person's name in one round's published draws (``key``: that round's)."""
    return hmac.new(key, person.encode(), hashlib.sha256).hexdigest()


def published_outcome(conn: Connection, outcome: EntryOutcome, round_id: str,
                      now: datetime) -> EntryOutcome:
    """An entry's answer with the round's pseudonym in place of the person key."""
    if not outcome.pseudonym:
        return outcome
    name = round_pseudonym(round_key(conn, round_id, now), outcome.pseudonym)
    return outcome.model_copy(update={"pseudonym": name})


def document_problem(document_type: DocumentType, number: str, today: date) -> str | None:
    """Why ``number`` cannot be a document of this type, in words; None when it can."""
    value = normalise_id_number(number)
    if document_type in _ID_SHAPED:
        problem = id_number_problem(value, today)
        if problem is not None:
            return f"not a valid 18-character ID number ({problem.value})"
        permit = value[:2] in ("81", "82", "83")
        if permit != (document_type is DocumentType.HMT_RESIDENCE_PERMIT):
            return ("an HK/Macau/Taiwan residence permit number starts 81, 82 or 83"
                    if not permit else "this number is a residence permit's, not an ID card's")
        return None
    if not 5 <= len(value) <= 20 or not value.isalnum() or not value.isascii():
        return "a document number is 5 to 20 letters and digits"
    return None


def birth_date(document_type: DocumentType, number: str, given: date | None) -> date | None:
    """From the number where it carries one, else what the request gave."""
    if document_type in _ID_SHAPED:
        return birth_date_of(normalise_id_number(number))
    return given


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
