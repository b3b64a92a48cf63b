"""The core, the drivers and the offline cache never load textual.

(rich is not checked: httpx loads it for its own command-line tool when it is installed.)
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support import REPO_ROOT

REPO = REPO_ROOT
CORE_PACKAGES = ["kiosk", "devices", "offline_cache"]


def modules_of(package: str) -> list[str]:
    root = REPO / package
    return sorted(
        ".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        for p in root.rglob("*.py")
    )


@pytest.mark.parametrize("package", CORE_PACKAGES)
def test_core_packages_do_not_import_textual(package: str) -> None:
    modules = modules_of(package)
    assert modules, package
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'textual')\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"{package} pulled in {result.stdout.strip()}"
