"""A lean kiosk (issue 17): nothing heavy is loaded before the first screen.

With a remote platform the kiosk never loads the platform's web stack (FastAPI,
uvicorn, SQLAlchemy: the embedded demo platform's) nor pypinyin (the catalog carries
its pinyin initials), and the camera's decoders (OpenCV, numpy, zxing-cpp, zbar) load
where they are used: on the first frame with something in view, in the camera's
worker. Each check runs
in a fresh interpreter and reads its ``sys.modules``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.support import REPO_ROOT

HEAVY = ("fastapi", "uvicorn", "starlette", "sqlalchemy", "cv2", "numpy", "zxingcpp", "pyzbar",
         "pypinyin")
KIOSK_PACKAGES = ("wiring", "screens", "kiosk", "offline_cache", "contracts", "devices")
# The camera worker's own modules: they exist to decode, and load on the first frame.
DECODERS = {"devices.qr.pipeline", "devices.qr.backends"}


def kiosk_modules() -> list[str]:
    found = ["main"]
    for package in KIOSK_PACKAGES:
        for path in (REPO_ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts)
            found.append(name.removesuffix(".__init__"))
    return sorted(set(found) - DECODERS)


def run_python(code: str, *args: str) -> dict[str, list[str]]:
    """Run ``code`` in a fresh interpreter; its last stdout line is a JSON object."""
    result = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    answer: dict[str, list[str]] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


LOADED = "sorted({m.split('.')[0] for m in sys.modules} & set(HEAVY))"

IMPORT_ALL = textwrap.dedent(f"""
    import importlib, json, sys
    HEAVY = {HEAVY!r}
    for name in sys.argv[1:]:
        importlib.import_module(name)
    print(json.dumps({{"loaded": {LOADED}}}))
""")


def test_importing_every_kiosk_module_loads_nothing_heavy() -> None:
    modules = kiosk_modules()
    assert "screens.app" in modules and "wiring.cli" in modules
    assert run_python(IMPORT_ALL, *modules)["loaded"] == []


AT_HOME_THEN_SCAN = textwrap.dedent(f"""
    import asyncio, json, sys
    from pathlib import Path
    from contracts.clock import FakeClock
    from screens.app import KioskApp
    from screens.home import HomeScreen
    from wiring.assembly import assemble
    from wiring.config import DEMO_CONFIG, load_config

    HEAVY = {HEAVY!r}
    config = load_config(DEMO_CONFIG, data_dir=Path(sys.argv[1]), platform_url=sys.argv[2])
    assembly = assemble(config, FakeClock())

    async def home() -> None:
        app = KioskApp(assembly.api, sync_in_background=False)
        async with app.run_test(size=(120, 40)) as pilot:
            while not isinstance(app.screen, HomeScreen):
                await pilot.pause()

    try:
        asyncio.run(home())
        at_home = {LOADED}
        # The camera looked at with nothing in view (the identify screen's worker does):
        # nothing to decode, so no decoder loads.
        nothing = assembly.hub.qr.read(timeout=0.3)
        after_empty_look = {LOADED}
        # A search: the catalog carries its pinyin initials, pypinyin never loads.
        found = [item.id for item in assembly.api.find_items("HYDJ", "zh-CN")]
        after_search = {LOADED}
        # What loads later, where it is used: a code held up to the camera.
        assembly.hub.mocks.qr.show("取件码 XH-CCB-0001-000042")
        read = assembly.hub.qr.read(timeout=10)
        after_scan = {LOADED}
    finally:
        assembly.close()
    print(json.dumps({{"at_home": at_home, "nothing": [nothing or ""],
                      "after_empty_look": after_empty_look, "read": [read or ""],
                      "after_scan": after_scan, "found": found,
                      "after_search": after_search}}))
""")


def test_a_kiosk_at_home_with_a_remote_platform_loads_nothing_heavy(tmp_path: Path) -> None:
    # Nothing listens on port 9: the kiosk starts offline, as a branch kiosk may.
    seen = run_python(AT_HOME_THEN_SCAN, str(tmp_path / "data"), "http://127.0.0.1:9")
    assert seen["at_home"] == []
    assert seen["nothing"] == [""] and seen["after_empty_look"] == []
    # Searching by pinyin initials works from the ones the catalog carries.
    assert "marriage-record-proof" in seen["found"]
    assert seen["after_search"] == []
    # The check can see them, and the lazily loaded pieces still do their work.
    assert seen["read"] == ["取件码 XH-CCB-0001-000042"]
    assert {"cv2", "numpy", "zxingcpp"} <= set(seen["after_scan"])
    assert "pypinyin" not in seen["after_scan"]
    assert not {"fastapi", "uvicorn", "sqlalchemy"} & set(seen["after_scan"])
