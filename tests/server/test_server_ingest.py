"""The platform's ingest: idempotent under concurrent resends; its command line over a
real socket."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.embedded import EmbeddedPlatform
from tests.support import REPO_ROOT
from tests.support.databases import BACKENDS, platform_database
from tests.support.loopback import free_port
from tests.support.platform_access import bearer, wire_transaction
from tests.support.waiting import wait_for

ROOT = REPO_ROOT


@dataclass
class Served:
    url: str
    db: str
    server: EmbeddedPlatform

    def token(self, kiosk: str) -> str:
        return self.server.enrol("kiosk", kiosk)


@pytest.fixture(params=BACKENDS)
def platform(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    with platform_database(request.param, tmp_path) as db:
        server = EmbeddedPlatform(db, tmp_path / "sign.key")
        yield Served(server.start(), db, server)
        server.stop()


def post(url: str, token: str, items: list[Any]) -> dict[str, Any]:
    response = httpx.post(f"{url}/api/v1/transactions/batch", json={"transactions": items},
                          headers=bearer(token), timeout=30)
    response.raise_for_status()
    answer: dict[str, Any] = response.json()
    return answer


def stats(db: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "server", "stats", "--db", db, "--json"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    counts: dict[str, Any] = json.loads(out)
    return counts


def test_concurrent_resends_store_each_id_once(platform: Served) -> None:
    url, db, token = platform.url, platform.db, platform.token("K-1")
    batch = [wire_transaction("K-1", n) for n in range(1, 41)]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: post(url, token, batch), range(8)))
    for answer in answers:
        assert [r["id"] for r in answer["results"]] == [t["id"] for t in batch]
        assert {r["status"] for r in answer["results"]} <= {"accepted", "duplicate"}
    accepted = sum(r["status"] == "accepted" for a in answers for r in a["results"])
    assert accepted == 40
    counts = stats(db)
    assert (counts["transactions"], counts["distinct_ids"]) == (40, 40)
    assert counts["kiosks"]["K-1"] == {"transactions": 40, "application": 40, "rating": 0,
                                       "reservation": 0, "redemption": 0, "seq_gaps": 0}
    assert counts["today"]["kiosks"] == {"K-1": 40}


def rating(kiosk: str, seq: int, case: dict[str, Any], score: int = 5,
           reason: str = "") -> dict[str, Any]:
    return wire_transaction(kiosk, seq, kind="rating",
              payload={"case": case["id"], "score": score, "reason": reason})


def test_each_item_is_judged_on_its_own(platform: Served) -> None:
    url, db, token = platform.url, platform.db, platform.token("K-2")
    good = wire_transaction("K-2", 1)
    items = [good, dict(good), "garbage", wire_transaction("K-2", 2, kind="bribe"),
             wire_transaction("K-2", 1),  # a reused sequence under another id
             rating("K-2", 4, good),
             wire_transaction("K-9", 1),  # another kiosk's transaction
             wire_transaction("K-2", 5, payload={"answers": {}}),  # nobody on it
             rating("K-2", 6, good, score=4),  # a second rating of the same case
             rating("K-2", 7, wire_transaction("K-2", 99)),  # a rating of a case never received
             rating("K-2", 8, good, score=1)]  # a bad review without its reason
    results = post(url, token, items)["results"]
    assert [r["status"] for r in results] == ["accepted", "duplicate", "refused", "refused",
                                              "refused", "accepted", "refused", "refused",
                                              "refused", "refused", "refused"]
    assert results[2]["reason"] == "not an object"
    assert results[3]["reason"].startswith("kind:")
    assert "already sent sequence 1" in results[4]["reason"]
    assert results[6]["reason"] == "kiosk K-2 cannot send for K-9"
    assert results[7]["reason"] == "payload.identity: Field required"
    assert results[8]["reason"] == "case K-2-000001 is already rated: one rating per case"
    assert results[9]["reason"].startswith("payload.case: no case")
    assert results[10]["reason"].startswith("payload.reason: a bad review")
    counts = stats(db)["kiosks"]["K-2"]
    assert (counts["application"], counts["rating"], counts["seq_gaps"]) == (1, 1, 2)


def test_a_rating_later_in_the_same_batch_as_its_case_counts(platform: Served) -> None:
    token = platform.token("K-4")
    case = wire_transaction("K-4", 1)
    results = post(platform.url, token, [case, rating("K-4", 2, case, 2, "slow")])["results"]
    assert [r["status"] for r in results] == ["accepted", "accepted"]
    again = post(platform.url, token, [rating("K-4", 3, case, 5)])["results"][0]
    assert again["status"] == "refused" and "one rating per case" in again["reason"]


def test_ingest_needs_a_kiosk_credential(platform: Served) -> None:
    batch = {"transactions": [wire_transaction("K-5", 1)]}
    url = f"{platform.url}/api/v1/transactions/batch"
    assert httpx.post(url, json=batch).status_code == 401
    assert httpx.post(url, json=batch, headers=bearer("gk.kiosk.K-5.guessed")).status_code == 401
    staff = platform.server.enrol("staff", "wang")
    assert httpx.post(url, json=batch, headers=bearer(staff)).status_code == 403
    token = platform.token("K-5")
    platform.token("K-5")  # enrolled again (a reinstall): the old token stops working
    assert httpx.post(url, json=batch, headers=bearer(token)).status_code == 401


@pytest.mark.parametrize("backend", BACKENDS)
def test_server_command_serves_over_a_real_socket(tmp_path: Path, backend: str) -> None:
    with platform_database(backend, tmp_path) as db:
        serve_and_count(tmp_path, db)


def serve_and_count(tmp_path: Path, db: str) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "server", "--db", db, "--port", str(port),
         "--signing-key", str(tmp_path / "sign.key")],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{url}/api/v1/health").status_code == 401  # up, wants a token
        except httpx.HTTPError:
            return False

    token_file = tmp_path / "K-3.token"
    enrolled = subprocess.run([sys.executable, "-m", "server", "enrol", "--db", db, "kiosk",
                               "K-3", "--out", str(token_file)],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert enrolled.returncode == 0, enrolled.stderr
    assert token_file.stat().st_mode & 0o777 == 0o600
    token = token_file.read_text().strip()
    admin = subprocess.run([sys.executable, "-m", "server", "enrol", "--db", db, "admin",
                            "root"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert admin.returncode == 0, admin.stderr
    try:
        wait_for(up, timeout=30)
        assert post(url, token, [wire_transaction("K-3", 1)])["results"][0]["status"] == "accepted"
        # python -m server is a real platform: no draw on the test chain, whose key is public.
        headers = bearer(admin.stdout.strip().split()[-1])
        made = httpx.post(f"{url}/api/v1/admin/rounds", headers=headers, json={
            "id": "R-CLI", "mode": "lottery", "opens_at": "2026-01-01T00:00:00+00:00",
            "closes_at": "2099-01-01T00:00:00+00:00", "quotas": {"sm-01/am": 1}})
        assert made.status_code == 201, made.text
        test_chain = httpx.post(f"{url}/api/v1/admin/rounds/R-CLI/draws", headers=headers,
                                json={"chain": "test"})
        assert test_chain.status_code == 409, test_chain.text
        assert "public signing key" in test_chain.json()["detail"]
        assert (tmp_path / "sign.key").stat().st_mode & 0o777 == 0o600
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert stats(db)["distinct_ids"] == 1
