"""Who a request is about: document checks, age, and the pseudonym the platform
keeps instead of the document number.

The pseudonym is HMAC-SHA256 of "type:number" under a key the platform makes on
first start (server.keyring: kept sealed under the data key): an ID number has too
little entropy for a plain hash to hide it. The same person gets the same pseudonym at
every kiosk, which is what "one entry per person" and the lockout rest on. It never
leaves the platform.

What a round's draws publish, and what the kiosk is told, is another pseudonym:
HMAC-SHA256 of that person key under the round's own key (server.keyring, made on
first use, sealed too). Two rounds' lists cannot be joined by anyone who sees them,
and neither the person key nor a document number names anyone in a list without the round's key.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime

from sqlalchemy.engine import Connection

from contracts.identity import birth_date_of, id_number_problem, normalise_id_number
from contracts.platform_api import DocumentType, EntryOutcome
from server.keyring import RoundKeyCache, round_key
from server.lottery import pseudonym as hmac_pseudonym
from server.sealing import PayloadCipher

_ID_SHAPED = (DocumentType.RESIDENT_ID, DocumentType.HMT_RESIDENCE_PERMIT)


def person_of(key: bytes, document_type: str, number: str) -> str:
    return hmac_pseudonym(key, f"{document_type}:{normalise_id_number(number)}")


def round_pseudonym(key: bytes, person: str) -> str:
    """A person's name in one round's published draws (``key``: that round's)."""
    return hmac.new(key, person.encode(), hashlib.sha256).hexdigest()


def published_outcome(conn: Connection, cipher: PayloadCipher, outcome: EntryOutcome,
                      round_id: str, now: datetime, keys: RoundKeyCache | None = None
                      ) -> EntryOutcome:
    """An entry's answer with the round's pseudonym in place of the person key
    (``keys``: the serving app's round keys)."""
    if not outcome.pseudonym:
        return outcome
    name = round_pseudonym(round_key(conn, cipher, round_id, now, keys), outcome.pseudonym)
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
