"""The platform's limits (issue 16, finding 6) and its crash hygiene (the platform's half
of finding 5), on SQLite and PostgreSQL: a body over the cap is refused before
authentication and before it is read, one oversized or malformed item is refused on its
own, and an unexpected error is logged by type and place, never with what it carried."""

from __future__ import annotations

import json
import re
import select
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.body_limit import MAX_BODY_BYTES
from server.ingest import MAX_ITEM_BYTES
from tests.support import REPO_ROOT
from tests.support.databases import BACKENDS, platform_database
from tests.support.loopback import free_port
from tests.support.platform_access import bearer, id_number
from tests.support.platform_api import START, Api, person
from tests.support.waiting import wait_for

BATCH = "/api/v1/transactions/batch"
NAME, PHONE, ADDRESS = "欧阳测试", "13912345678", "厦门市思明区测试路99号"


def application(kiosk: str, seq: int, number: str, **identity: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "kiosk_id": kiosk, "seq": seq, "kind": "application",
            "item_id": "marriage-record-proof", "reference": f"{kiosk}-{seq:06d}",
            "created_at": START.isoformat(),
            "payload": {"identity": {"name": NAME, "id_number": number, "source": "card",
                                     "phone": PHONE, "address": ADDRESS, **identity},
                        "answers": {}, "decision": {"outcome": "review"}}}


def host_port(api: Api) -> tuple[str, int]:
    host, port = api.platform.url.removeprefix("http://").split(":")
    return host, int(port)


def read_all(conn: socket.socket) -> bytes:
    """One answer: its head and as many body bytes as it declares. The platform may then
    reset the connection (body bytes left unread), which ends nothing read already."""
    reply = b""
    while True:
        head, _, body = reply.partition(b"\r\n\r\n")
        length = re.search(rb"content-length: *(\d+)", head, re.IGNORECASE)
        if length and len(body) >= int(length.group(1)):
            return reply
        try:
            chunk = conn.recv(65536)
        except ConnectionResetError:
            return reply
        if not chunk:
            return reply
        reply += chunk


def status_of(reply: bytes) -> int:
    return int(reply.split(b"\r\n", 1)[0].split()[1])


def test_a_declared_body_over_the_cap_is_refused_before_it_is_sent(api: Api) -> None:
    # 300 MB declared, no credential: the answer comes with not one byte of the body sent.
    head = (f"POST {BATCH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {300_000_000}\r\n\r\n").encode()
    with socket.create_connection(host_port(api), timeout=10) as conn:
        conn.sendall(head)
        reply = read_all(conn)
    assert status_of(reply) == 413
    assert b"over 8388608 bytes" in reply


def test_a_streamed_body_is_cut_at_the_cap_before_authentication(api: Api) -> None:
    # Chunked, so no length is declared: the platform counts and answers 413 (not 401)
    # once past the cap, while the client still has most of its 300 MB to send.
    head = (f"POST {BATCH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n").encode()
    chunk = b"%x\r\n%s\r\n" % (64 * 1024, b" " * 64 * 1024)
    sent = 0
    with socket.create_connection(host_port(api), timeout=10) as conn:
        conn.sendall(head)
        while sent < 300_000_000:
            readable, _, _ = select.select([conn], [], [], 0)
            if readable:
                break
            try:
                conn.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += 64 * 1024
        reply = read_all(conn)
    assert status_of(reply) == 413
    assert sent < 3 * MAX_BODY_BYTES  # refused near the cap, never the whole body read


def test_a_body_under_the_cap_still_needs_a_credential(api: Api) -> None:
    answer = httpx.post(f"{api.platform.url}{BATCH}", json={"transactions": []})
    assert answer.status_code == 401


def test_one_item_over_the_item_cap_is_refused_and_the_others_stored(api: Api) -> None:
    items = [application("K-A", 1, person(1)),
             application("K-A", 2, person(2)),
             application("K-A", 3, person(3))]
    items[1]["payload"]["answers"] = {"note": "x" * MAX_ITEM_BYTES}
    results = api.kiosk("K-A").post(BATCH, json={"transactions": items}).json()["results"]
    assert [r["status"] for r in results] == ["accepted", "refused", "accepted"]
    assert f"over the {MAX_ITEM_BYTES}-byte cap" in results[1]["reason"]
    assert results[1]["id"] == items[1]["id"]


def with_lone_surrogate(item: dict[str, Any], where: str) -> dict[str, Any]:
    if where == "id":  # the item's own id: before, the answer itself could not be encoded
        item["id"] = item["id"][:-1] + "\ud800"
    elif where == "answers":  # an untyped map: before, stored as is (PostgreSQL: a 500)
        item["payload"]["answers"] = {"note": "写\udc80"}
    else:
        item["payload"]["identity"]["id_number"] = person(5)[:-1] + "\ud800"
    return item


@pytest.mark.parametrize(("where", "reason"), [
    ("id", "id: text that is not valid Unicode (a lone surrogate)"),
    ("answers", "payload.answers.note: text that is not valid Unicode (a lone surrogate)"),
    ("id_number", "payload.identity.id_number: text that is not valid Unicode (a lone"
                  " surrogate)")])
def test_a_lone_surrogate_in_one_item_refuses_that_item_only(api: Api, where: str,
                                                             reason: str) -> None:
    items = [application("K-A", 1, person(4)),
             with_lone_surrogate(application("K-A", 2, person(5)), where),
             application("K-A", 3, person(6))]
    body = json.dumps({"transactions": items})  # ASCII: the surrogate travels as \ud800
    answer = api.kiosk("K-A").post(BATCH, content=body,
                                   headers={"Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "refused", "accepted"]
    assert results[1]["reason"] == reason
    assert results[1]["id"] == ("" if where == "id" else items[1]["id"])
    found = api.staff.post("/api/v1/cases/lookup", json={"reference": "K-A-000003"})
    assert [c["reference"] for c in found.json()["cases"]] == ["K-A-000003"]


# -- crash hygiene ----------------------------------------------------------------------

# The platform as `python -m server` runs it (uvicorn's own logging, to stderr), with a
# fault planted where an application is recorded: the error's message and the frame's
# locals both hold the applicant's personal data, as a database error's parameters would.
CRASHING_PLATFORM = """
import sys
from datetime import UTC, datetime

import server.ingest
from server.__main__ import main
from server.credentials import enrol
from server.db import make_engine


def record_application(conn, tx, payload, person, now):
    holder = payload.identity
    raise OSError(28, f"No space left on device: {holder.name} {holder.id_number}"
                      f" {holder.phone} {holder.address}")


server.ingest.record_application = record_application
engine = make_engine(sys.argv[1])
print(enrol(engine, "kiosk", "K-C", datetime.now(UTC)), flush=True)
engine.dispose()
main(["--db", sys.argv[1], "--signing-key", sys.argv[2], "--port", sys.argv[3]])
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_crash_in_a_route_logs_no_personal_data_and_no_traceback(
        tmp_path: Path, backend: str) -> None:
    with platform_database(backend, tmp_path) as db:
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-c", CRASHING_PLATFORM, db,
                                 str(tmp_path / "sign.key"), str(port)], cwd=REPO_ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert proc.stdout is not None
            token = proc.stdout.readline().strip()
            url = f"http://127.0.0.1:{port}"

            def up() -> bool:
                try:
                    return httpx.get(f"{url}/api/v1/health").status_code == 401
                except httpx.HTTPError:
                    return False

            wait_for(up, timeout=30)
            number = id_number("350203", "19800101", 7)
            answer = httpx.post(f"{url}{BATCH}", headers=bearer(token), timeout=30,
                                json={"transactions": [application("K-C", 1, number)]})
            assert answer.status_code == 500
            assert answer.json() == {"detail": "internal error"}
        finally:
            proc.terminate()
            _, errors = proc.communicate(timeout=10)
    assert "unhandled OSError on POST /api/v1/transactions/batch at" in errors
    assert "Traceback" not in errors and "Exception in ASGI application" not in errors
    for value in (NAME, number, PHONE, ADDRESS, number[6:14]):
        assert value not in errors
