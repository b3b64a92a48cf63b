"""The published OpenAPI schema, fuzzed by schemathesis against the platform on a real
socket: a bounded run (a fixed number of examples per operation) that must find no
server error, no response outside the schema, no undocumented status code and no
schema-violating request accepted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from server.embedded import EmbeddedPlatform
from tests.support.platform_access import bearer

Served = tuple[EmbeddedPlatform, dict[str, str]]  # the platform and a token per role
EXAMPLES = 25  # per operation: about 20 operations, well under a minute


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
    path = case.operation.path
    role = "admin" if path.startswith(("/api/v1/admin", "/api/v1/staff")) else "kiosk"
    # Rules across fields (a round closes after it opens, a typed slot needs product
    # types) cannot be written in JSON Schema, so a schema-valid body may still get 422:
    # every other check stays on, server errors first.
    case.call_and_validate(headers=bearer(tokens[role]),
                           excluded_checks=[checks.positive_data_acceptance])
