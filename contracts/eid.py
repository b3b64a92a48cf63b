"""QR payloads the identify screen accepts (e-ID codes), with a clear answer for the rest.

An e-ID code carries ``EID1:`` and base64url JSON ``{"name": ..., "id": ...}``.
(The platform's signed tokens replace this format with the QR pipeline.)
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date

from contracts.errors import CodeError
from contracts.identity import (
    Identity,
    IdSource,
    id_number_problem,
    name_problem,
    normalise_id_number,
)

EID_PREFIX = "EID1:"
MAX_PAYLOAD = 1024  # a real e-ID code is a few hundred characters


def make_eid(name: str, id_number: str) -> str:
    body = json.dumps({"name": name, "id": id_number}, ensure_ascii=False).encode()
    return EID_PREFIX + base64.urlsafe_b64encode(body).decode().rstrip("=")


def parse_eid(payload: str, today: date) -> Identity:
    if not payload.startswith(EID_PREFIX):
        raise CodeError("qr.unknown_code")
    body = payload.removeprefix(EID_PREFIX)
    if len(body) > MAX_PAYLOAD:
        raise CodeError("qr.damaged_code")
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        name, id_number = data["name"], data["id"]
    except (binascii.Error, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise CodeError("qr.damaged_code") from exc
    if not isinstance(name, str) or not isinstance(id_number, str):
        raise CodeError("qr.damaged_code")
    name, id_number = name.strip(), normalise_id_number(id_number)
    if name_problem(name) is not None or id_number_problem(id_number, today) is not None:
        raise CodeError("qr.damaged_code")
    return Identity(name=name, id_number=id_number, source=IdSource.QR)
