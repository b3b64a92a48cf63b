"""Shared fixtures: a kiosk on a temporary data folder, a fake clock, an embedded platform.

Also what the machine may lack: without the system library libzbar the zbar tests skip
(one line; ``make test`` installs libzbar0 when it can); the PostgreSQL tests find or
start a server before their fixtures run (tests/support/databases.py: they skip in one
line when there is none), and a throwaway server stops with the session.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from contracts.clock import FakeClock
from server.embedded import EmbeddedPlatform
from tests.support.databases import postgres_base, postgres_description, stop_throwaway
from wiring.assembly import Assembly, assemble
from wiring.config import DEMO_CONFIG, KioskConfig, load_config


@pytest.fixture
def config(tmp_path: Path) -> KioskConfig:
    config = load_config(DEMO_CONFIG, data_dir=tmp_path / "data")
    # Never aloud on a developer's machine (elder mode turns spoken prompts on): the mock
    # records what would be said (docs/speech.md).
    config.speech.kind = "mock"
    return config


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def assembly(config: KioskConfig, clock: FakeClock) -> Iterator[Assembly]:
    built = assemble(config, clock)
    yield built
    built.close()
    # The app turns an error in a screen into a trip home; a test must still see it.
    assert built.api.ui_faults == 0, "a screen raised during the test (see the log above)"


@pytest.fixture
def platform_server(tmp_path: Path) -> Iterator[EmbeddedPlatform]:
    """A real platform on loopback (SQLite), started; stopped after the test."""
    server = EmbeddedPlatform(f"sqlite:///{tmp_path / 'platform.db'}", tmp_path / "sign.key")
    server.start()
    yield server
    server.stop()


ZBAR_HINT = "install libzbar0 (apt) for the zbar QR backend"
_ZBAR_MISSING = pytest.StashKey[str | None]()


def _zbar_missing() -> str | None:
    """Why pyzbar cannot load libzbar, or None when it can."""
    try:
        from pyzbar import zbar_library

        zbar_library.load()
    except (ImportError, OSError) as exc:
        return str(exc)
    return None


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_ZBAR_MISSING] = _zbar_missing()


def pytest_runtest_setup(item: pytest.Item) -> None:
    # Skips raised here, before the fixtures, not as marks or from a fixture: so -ra
    # folds each kind into one line, and a required PostgreSQL stops the run cleanly.
    if item.config.stash[_ZBAR_MISSING] and "zbar" in item.nodeid.lower():
        pytest.skip(ZBAR_HINT)
    if "postgresql" in item.nodeid:  # the tests parametrized over BACKENDS
        postgres_base()


def pytest_sessionfinish(session: pytest.Session) -> None:
    stop_throwaway()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    used = postgres_description()
    if used is not None:
        terminalreporter.write_line(f"PostgreSQL for the platform tests: {used}")
