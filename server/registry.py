"""The local social-security registry's answer, as the platform holds it: the
pseudonyms of insured people (a round may admit them without local household
registration). The platform never keeps the document numbers themselves."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Engine

from contracts.platform_api import DocumentType
from server.db import insured
from server.persons import person_of


def register_insured(engine: Engine, key: bytes, document_type: DocumentType,
                     numbers: list[str], since: date) -> int:
    """Add people to the registry; those already in it are left as they are."""
    people = {person_of(key, document_type, n) for n in numbers if n.strip()}
    with engine.begin() as conn:
        known = set(conn.execute(select(insured.c.person)
                                 .where(insured.c.person.in_(people))).scalars())
        new = [{"person": p, "since": since} for p in people - known]
        if new:
            conn.execute(insured.insert(), new)
    return len(new)
