"""Credentials for tests that talk to a real platform: kiosks, staff, an admin."""

from __future__ import annotations

import os
import uuid
from typing import Any

from contracts.identity import check_digit
from contracts.wire import Applicant, ApplicationPayload, KioskDecision
from server.embedded import EmbeddedPlatform
from wiring.config import KioskConfig


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def enrol_kiosk(platform: EmbeddedPlatform, config: KioskConfig) -> str:
    """Enrol the kiosk of ``config`` and leave its token where the kiosk looks (0600)."""
    token = platform.enrol("kiosk", config.kiosk.id)
    path = config.credential_file
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(token)
    return token


def id_number(region: str, born: str, serial: int) -> str:
    """A valid 18-character ID number: region (6 digits), birth date (8), serial."""
    first = f"{region}{born}{serial % 1000:03d}"
    return first + check_digit(first)


def application_payload(number: str, outcome: str = "review", reason: str = "") -> dict[str, Any]:
    """An application's payload as a kiosk builds it (the shared wire models)."""
    return ApplicationPayload(
        identity=Applicant(name="张三", id_number=number, source="card"), answers={},
        decision=KioskDecision(outcome=outcome, reason=reason),
    ).model_dump(mode="json")


def wire_transaction(kiosk: str, seq: int, **changes: Any) -> dict[str, Any]:
    """One application transaction as it travels, with ``changes`` on top."""
    return {"id": str(uuid.uuid4()), "kiosk_id": kiosk, "seq": seq, "kind": "application",
            "item_id": "x", "reference": f"{kiosk}-{seq:06d}",
            "created_at": "2026-11-23T09:30:00+08:00",
            "payload": application_payload(id_number("350203", "19800101", seq)), **changes}
