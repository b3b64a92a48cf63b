"""Shared fixtures: a kiosk on a temporary data folder, a fake clock, an embedded platform."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from contracts.clock import FakeClock
from server.embedded import EmbeddedPlatform
from wiring.assembly import Assembly, assemble
from wiring.config import DEMO_CONFIG, KioskConfig, load_config


@pytest.fixture
def config(tmp_path: Path) -> KioskConfig:
    return load_config(DEMO_CONFIG, data_dir=tmp_path / "data")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def assembly(config: KioskConfig, clock: FakeClock) -> Iterator[Assembly]:
    built = assemble(config, clock)
    yield built
    built.close()


@pytest.fixture
def platform_server(tmp_path: Path) -> Iterator[EmbeddedPlatform]:
    """A real platform on loopback (SQLite), started; stopped after the test."""
    server = EmbeddedPlatform(f"sqlite:///{tmp_path / 'platform.db'}", tmp_path / "sign.key")
    server.start()
    yield server
    server.stop()
