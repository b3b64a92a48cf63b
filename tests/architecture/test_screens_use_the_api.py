"""Screens reach the kiosk only through the API's use cases: never its store, its device
hub or its clock (which the API holds as attributes for its own use)."""

from __future__ import annotations

import re

from tests.support import REPO_ROOT

BEHIND_THE_API = re.compile(
    r"\bapi\.(store|devices|clock|sync_engine|printing)\b|\.outbox\b|\.hub\b|\.journal\b")


def test_no_screen_touches_the_store_the_hub_or_the_clock() -> None:
    offenders = []
    for path in sorted((REPO_ROOT / "screens").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.lstrip().startswith(("from ", "import ")) and BEHIND_THE_API.search(line):
                offenders.append(f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()}")
    assert offenders == []
