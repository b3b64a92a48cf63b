"""Everything in tests/system is a system test: several processes, real sockets, faults,
kills. `pytest -m "not system"` leaves them out of a quick run; CI runs them all."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.system)
