"""Credentials for tests that talk to a real platform: kiosks, staff, an admin."""

from __future__ import annotations

import os
from typing import Any

from kiosk.config import KioskConfig
from kiosk.identity import check_digit
from server.embedded import EmbeddedPlatform


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
    return {"identity": {"name": "张三", "id_number": number},
            "answers": {}, "decision": {"outcome": outcome, "reason": reason}}
