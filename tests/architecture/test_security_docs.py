"""docs/security.md and its parts name, after each claim, the test that proves it: every
test they name exists (a renamed test would leave a claim without its proof)."""

from __future__ import annotations

import re

from tests.support import REPO_ROOT

NAMED = re.compile(r"(tests/[\w/]+\.py)(?:::(\w+))?")


def test_every_test_the_security_docs_name_exists() -> None:
    pages = [REPO_ROOT / "docs" / "security.md",
             *sorted((REPO_ROOT / "docs" / "security").glob("*.md"))]
    named, missing = 0, []
    for page in pages:
        for path, name in NAMED.findall(page.read_text(encoding="utf-8")):
            named += 1
            module = REPO_ROOT / path
            if not module.exists() or (name and f"def {name}(" not in module.read_text(
                    encoding="utf-8")):
                missing.append(f"{page.name}: {path}::{name}")
    assert named > 40, "the pages name their tests"
    assert missing == []
