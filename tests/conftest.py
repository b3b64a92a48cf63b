"""Shared fixtures: a kiosk on a temporary data folder, a fake clock, an embedded platform."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from kiosk.clock import FakeClock  # noqa: E402
from kiosk.config import DEMO_CONFIG, KioskConfig, load_config  # noqa: E402
from kiosk.services import Services, build_services  # noqa: E402
from server.embedded import EmbeddedPlatform  # noqa: E402


@pytest.fixture
def config(tmp_path: Path) -> KioskConfig:
    return load_config(DEMO_CONFIG, data_dir=tmp_path / "data")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def services(config: KioskConfig, clock: FakeClock) -> Iterator[Services]:
    built = build_services(config, clock)
    yield built
    built.close()


@pytest.fixture
def platform_server(tmp_path: Path) -> Iterator[EmbeddedPlatform]:
    """A real platform on loopback (SQLite), started; stopped after the test."""
    server = EmbeddedPlatform(f"sqlite:///{tmp_path / 'platform.db'}", tmp_path / "sign.key")
    server.start()
    yield server
    server.stop()
