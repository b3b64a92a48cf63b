"""Who a request is about: document checks, age, and the pseudonym the platform
keeps instead of the document number.

The pseudonym is HMAC-SHA256 of "type:number" under a key the platform makes on
first start (in ``settings``): an ID number has too little entropy for a plain
hash to hide it. The same person gets the same pseudonym at every kiosk, which
is what "one entry per person" and the lockout rest on.
"""

from __future__ import annotations

import secrets
from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Engine

from contracts.identity import birth_date_of, id_number_problem, normalise_id_number
from contracts.platform_api import DocumentType
from server.db import settings
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
