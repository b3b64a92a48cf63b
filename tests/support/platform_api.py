"""The platform over a real socket for the server tests: a started platform on a fake
clock with a client per credential, and the people and transactions the tests send."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from contracts.clock import FakeClock
from server.embedded import EmbeddedPlatform
from server.keyring import pseudonym_key
from tests.support.databases import platform_database
from tests.support.platform_access import application_payload, bearer, id_number

START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 in Xiamen
XIAMEN = "350203"
ELSEWHERE = "110101"


@dataclass
class Api:
    platform: EmbeddedPlatform
    clock: FakeClock
    clients: dict[str, httpx.Client] = field(default_factory=dict)

    lock: threading.Lock = field(default_factory=threading.Lock)

    def as_(self, role: str, ident: str) -> httpx.Client:
        """A client holding a credential; enrolled once (enrolling again would revoke it)."""
        key = f"{role}:{ident}"
        with self.lock:
            if key not in self.clients:
                self.clients[key] = httpx.Client(
                    base_url=self.platform.url, timeout=30,
                    headers=bearer(self.platform.enrol(role, ident)))  # type: ignore[arg-type]
            return self.clients[key]

    @property
    def admin(self) -> httpx.Client:
        return self.as_("admin", "root")

    @property
    def staff(self) -> httpx.Client:
        return self.as_("staff", "wang")

    def kiosk(self, ident: str = "K-A") -> httpx.Client:
        return self.as_("kiosk", ident)

    def round(self, **rules: Any) -> dict[str, Any]:
        config = {"id": f"R-{uuid.uuid4().hex[:6]}", "mode": "lottery",
                  "opens_at": START.isoformat(),
                  "closes_at": (START + timedelta(days=30)).isoformat(),
                  "eligibility": {"residence_regions": ["3502"], "social_security": True},
                  "quotas": {"sm-01/am": 2, "sm-01/pm": 1}, **rules}
        answer = self.admin.post("/api/v1/admin/rounds", json=config)
        assert answer.status_code == 201, answer.text
        return config

    def enter(self, round_id: str, number: str, kiosk: str = "K-A",
              **fields: Any) -> dict[str, Any]:
        body = {"id": str(uuid.uuid4()), "round_id": round_id, "document_type": "resident_id",
                "document_number": number, "slot": "sm-01/am", "health": "well", **fields}
        answer = self.kiosk(kiosk).post("/api/v1/reservations", json=body)
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result


def person_key(platform: EmbeddedPlatform) -> bytes:
    """The platform's person key, opened as the platform opens it: with its data key."""
    assert platform.platform.cipher is not None
    return pseudonym_key(platform.engine, platform.platform.cipher)


@contextmanager
def served_platform(backend: str, folder: Path, allow_test_beacon: bool = True
                    ) -> Iterator[tuple[Api, str]]:
    """A platform on ``backend``'s database, started at START; its Api and database URL.
    ``allow_test_beacon``: draws may use the test chain, as the demo platform's do (the
    tests draw offline); off, it is a real platform's."""
    with platform_database(backend, folder) as db:
        clock = FakeClock(START)
        platform = EmbeddedPlatform(db, folder / "sign.key", clock=clock,
                                    allow_test_beacon=allow_test_beacon)
        platform.start()
        api = Api(platform, clock)
        try:
            yield api, db
        finally:
            for client in api.clients.values():
                client.close()
            platform.stop()


def person(serial: int, born: str = "19800101", region: str = XIAMEN) -> str:
    return id_number(region, born, serial)


def send(api: Api, kiosk: str, seq: int, number: str, outcome: str = "review",
         reason: str = "") -> dict[str, Any]:
    tx = {"id": str(uuid.uuid4()), "kiosk_id": kiosk, "seq": seq, "kind": "application",
          "item_id": "marriage-record-proof", "reference": f"{kiosk}-{seq:06d}",
          "created_at": START.isoformat(), "payload": application_payload(number, outcome,
                                                                          reason)}
    answer = api.kiosk(kiosk).post("/api/v1/transactions/batch", json={"transactions": [tx]})
    assert answer.json()["results"][0]["status"] == "accepted", answer.text
    return tx
