"""The published OpenAPI schema, fuzzed by schemathesis against the platform on a real
socket: a bounded run (a fixed number of examples per operation, each sent with no
credential and with a kiosk's, a staff member's and an administrator's) that must find
no server error, no response outside the schema, no undocumented status code and no
schema-violating request accepted; and the body cap answering 413 on every operation
that takes a body, whoever asks."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from server.body_limit import MAX_BODY_BYTES
from server.embedded import EmbeddedPlatform
from tests.support.platform_access import bearer

Served = tuple[EmbeddedPlatform, dict[str, str]]  # the platform and a token per role
# Per operation, each sent four times (no credential, kiosk, staff, admin): about 26
# operations, about a minute on one core.
EXAMPLES = 8
ROLES = ("kiosk", "staff", "admin")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder: Path = tmp_path_factory.mktemp("schema")
    platform = EmbeddedPlatform(f"sqlite:///{folder / 'platform.db'}", folder / "sign.key")
    url = platform.start()
    tokens = {role: platform.enrol(role, f"fuzz-{role}") for role in ("kiosk", "staff",
                                                                      "admin")}
    # Something for the fuzzer to find: a round that is open now.
    now = datetime.now(UTC)
    httpx.post(f"{url}/api/v1/admin/rounds", headers=bearer(tokens["admin"]), json={
        "id": "fuzz", "mode": "first_come", "opens_at": (now - timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(days=1)).isoformat(),
        "quotas": {"sm-01/am": 1000}}).raise_for_status()
    yield platform, tokens
    platform.stop()


@pytest.fixture(scope="module")
def api_schema(served: Served) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{served[0].url}/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


def test_the_schema_is_published_and_names_every_route(
        served: Served) -> None:
    spec = httpx.get(f"{served[0].url}/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert {"/api/v1/transactions/batch", "/api/v1/reservations", "/api/v1/pickups/redeem",
            "/api/v1/cases/lookup", "/api/v1/admin/rounds"} <= set(spec["paths"])


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_input_makes_the_platform_fail(case: schemathesis.Case[Any],
                                         served: Served) -> None:
    _, tokens = served
    # Rules across fields (a round closes after it opens, a typed slot needs product
    # types) cannot be written in JSON Schema, so a schema-valid body may still get 422;
    # a role the route does not take gets 403, none 401: every other check stays on,
    # server errors first.
    for headers in ({}, *(bearer(tokens[role]) for role in ROLES)):
        case.call_and_validate(headers=headers,
                               excluded_checks=[checks.positive_data_acceptance])


def declared_oversize(url: str, method: str, path: str, token: str | None) -> int:
    """The status a request declaring a body over the cap gets, its body never sent."""
    host, port = url.removeprefix("http://").split(":")
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    head = (f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n{auth}"
            f"Content-Type: application/json\r\nContent-Length: {MAX_BODY_BYTES + 1}\r\n\r\n")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(head.encode())
        status_line = conn.makefile("rb").readline().decode()
    return int(status_line.split()[1])


def test_every_operation_with_a_body_caps_it_for_every_caller(served: Served) -> None:
    platform, tokens = served
    spec = httpx.get(f"{platform.url}/openapi.json").json()
    with_body = [(method.upper(), path) for path, item in spec["paths"].items()
                 for method, operation in item.items() if "requestBody" in operation]
    assert len(with_body) >= 10
    for method, path in with_body:
        concrete = path.replace("{round_id}", "fuzz").replace("{number}", "1").replace(
            "{reference}", "R-1")
        assert "413" in spec["paths"][path][method.lower()]["responses"], path
        for token in (None, *tokens.values()):
            assert declared_oversize(platform.url, method, concrete, token) == 413, path
