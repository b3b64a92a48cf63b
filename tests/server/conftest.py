"""The platform every server test talks to: on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import BACKENDS
from tests.support.platform_api import Api, served_platform


@pytest.fixture(params=BACKENDS)
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Api, str]]:
    """The platform and its database URL (for the commands)."""
    with served_platform(request.param, tmp_path) as both:
        yield both


@pytest.fixture
def api(served: tuple[Api, str]) -> Api:
    return served[0]
