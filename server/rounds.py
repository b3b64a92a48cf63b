"""A reservation round's rules, as configuration (after the 2020 mask reservations).

A round is one supply campaign for one item: who may enter, with which
documents, until when, and how places are given out. In ``first_come`` mode a
place is taken at entry while the slot has room; in ``lottery`` mode entries
wait for draws (``server.draws``) and a losing entry rolls into the next draw
until it expires. Slots are "pharmacy/window", or "pharmacy/window/type" when
the round has product types (mask types).

A round's configuration is read and validated once and then kept in the app's
``RoundCache`` (server.caches) for ``CACHE_SECONDS`` (every entry needs it; parsing it
per request was measurable under load: bench/RESULTS.md). Changing a round's stored
configuration goes through ``forget_round`` on the serving app's cache; another process
sees the change within ``CACHE_SECONDS``.
"""

from __future__ import annotations

import threading
import time
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from contracts.platform_api import RoundConfig
from server.db import round_stock, rounds

# How long a round's configuration is believed without reading it again: the longest
# a change made by another process (a restarted demo moving its times) takes to show.
CACHE_SECONDS = 5.0


class RoundExists(ValueError):
    pass


class RoundCache:
    """round id -> (its configuration, when it was read). Only rounds that exist."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.kept: dict[str, tuple[RoundConfig, float]] = {}


def forget_round(cache: RoundCache | None, round_id: str) -> None:
    """Read the round's configuration afresh next time (it was just changed)."""
    if cache is None:
        return
    with cache.lock:
        cache.kept.pop(round_id, None)


def create_round(engine: Engine, config: RoundConfig, now: datetime,
                 cache: RoundCache | None = None) -> None:
    try:
        with engine.begin() as conn:
            conn.execute(rounds.insert().values(id=config.id, item_id=config.item_id,
                                                config=config.model_dump(mode="json"),
                                                created_at=now))
            if config.mode == "first_come":
                conn.execute(round_stock.insert(), [
                    {"round_id": config.id, "slot": slot, "remaining": places}
                    for slot, places in config.quotas.items()])
    except IntegrityError as exc:
        raise RoundExists(f"round {config.id!r} already exists") from exc
    forget_round(cache, config.id)


def cached_round(cache: RoundCache | None, round_id: str) -> RoundConfig | None:
    """The round as ``cache`` holds it, if read less than ``CACHE_SECONDS`` ago."""
    if cache is None:
        return None
    with cache.lock:
        hit = cache.kept.get(round_id)
    if hit is not None and time.monotonic() - hit[1] < CACHE_SECONDS:
        return hit[0]
    return None


def load_round(conn: Connection, round_id: str, cache: RoundCache | None = None
               ) -> RoundConfig | None:
    """The round's configuration; ``cache``: the serving app's (None: read it now)."""
    hit = cached_round(cache, round_id)
    if hit is not None:
        return hit
    raw = conn.execute(select(rounds.c.config).where(rounds.c.id == round_id)).scalar()
    if raw is None:
        return None
    config = RoundConfig.model_validate(raw)
    if cache is not None:
        with cache.lock:
            cache.kept[round_id] = (config, time.monotonic())
    return config


def list_rounds(engine: Engine) -> list[RoundConfig]:
    with engine.connect() as conn:
        return [RoundConfig.model_validate(raw) for raw in
                conn.execute(select(rounds.c.config).order_by(rounds.c.created_at)).scalars()]


def read_round_file(path: Path) -> RoundConfig:
    """A round from TOML (docs/reservations.md shows one); ValueError says what is wrong."""
    with path.open("rb") as f:
        raw: dict[str, Any] = tomllib.load(f)
    return RoundConfig.model_validate(raw)


def remaining(engine: Engine, round_id: str, cache: RoundCache | None = None
              ) -> dict[str, int] | None:
    """Places left per slot: a first-come round's stock; a lottery's places per draw
    (its quotas: a draw gives them all out). None: no such round."""
    with engine.connect() as conn:
        config = load_round(conn, round_id, cache)
        if config is None:
            return None
        if config.mode == "lottery":
            return dict(config.quotas)
        rows = conn.execute(select(round_stock.c.slot, round_stock.c.remaining)
                            .where(round_stock.c.round_id == round_id)).all()
    return {slot: places for slot, places in rows}
