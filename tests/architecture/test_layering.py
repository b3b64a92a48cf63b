"""The layers hold at run time too: the core never loads Textual, and a kiosk that talks
to a remote platform never loads the platform's web stack.

(import-linter checks the static imports: `lint-imports`, contracts in pyproject.toml.
rich is not checked here: httpx loads it for its own command-line tool when installed.)
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support import REPO_ROOT

CORE_PACKAGES = ["contracts", "devices", "offline_cache", "kiosk"]
WEB_STACK = ("fastapi", "uvicorn", "starlette", "sqlalchemy")


def modules_of(package: str) -> list[str]:
    root = REPO_ROOT / package
    return sorted(
        ".".join(p.relative_to(REPO_ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in root.rglob("*.py")
    )


def run_python(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


@pytest.mark.parametrize("package", CORE_PACKAGES)
def test_core_packages_do_not_import_textual(package: str) -> None:
    modules = modules_of(package)
    assert modules, package
    loaded = run_python(
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'textual')))\n"
    )
    assert loaded == "", f"{package} pulled in {loaded}"


KIOSK_AT_HOME = textwrap.dedent("""
    import asyncio, sys
    from pathlib import Path
    from contracts.clock import FakeClock
    from screens.app import KioskApp
    from screens.home import HomeScreen
    from wiring.assembly import assemble
    from wiring.config import DEMO_CONFIG, load_config

    config = load_config(DEMO_CONFIG, data_dir=Path(sys.argv[1]), platform_url=sys.argv[2])
    assembly = assemble(config, FakeClock())

    async def main() -> None:
        app = KioskApp(assembly.api)
        async with app.run_test(size=(120, 40)) as pilot:
            while not isinstance(app.screen, HomeScreen):
                await pilot.pause()

    try:
        asyncio.run(main())
    finally:
        assembly.close()
    print(",".join(sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[3].split(",")))))
""")


def kiosk_loads(tmp_path: Path, platform_url: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", KIOSK_AT_HOME, str(tmp_path / "data"), platform_url,
         ",".join(WEB_STACK)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    last_line = result.stdout.rstrip("\n").split("\n")[-1]
    return set(filter(None, last_line.split(",")))


def test_a_kiosk_with_a_remote_platform_never_loads_the_web_stack(tmp_path: Path) -> None:
    # Nothing listens on port 9: the kiosk starts offline, as a branch kiosk may.
    assert kiosk_loads(tmp_path, "http://127.0.0.1:9") == set()


def test_the_embedded_demo_platform_does_load_it(tmp_path: Path) -> None:
    """The check above can see the web stack when it is there."""
    assert {"fastapi", "uvicorn"} <= kiosk_loads(tmp_path, "embedded")
