"""A reservation round's rules, as configuration (after the 2020 mask reservations).

A round is one supply campaign for one item: who may enter, with which
documents, until when, and how places are given out. In ``first_come`` mode a
place is taken at entry while the slot has room; in ``lottery`` mode entries
wait for draws (``server.draws``) and a losing entry rolls into the next draw
until it expires. Slots are "pharmacy/window", or "pharmacy/window/type" when
the round has product types (mask types).
"""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from contracts.platform_api import RoundConfig
from server.db import round_stock, rounds


class RoundExists(ValueError):
    pass


def create_round(engine: Engine, config: RoundConfig, now: datetime) -> None:
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


def load_round(conn: Connection, round_id: str) -> RoundConfig | None:
    raw = conn.execute(select(rounds.c.config).where(rounds.c.id == round_id)).scalar()
    return None if raw is None else RoundConfig.model_validate(raw)


def list_rounds(engine: Engine) -> list[RoundConfig]:
    with engine.connect() as conn:
        return [RoundConfig.model_validate(raw) for raw in
                conn.execute(select(rounds.c.config).order_by(rounds.c.created_at)).scalars()]


def read_round_file(path: Path) -> RoundConfig:
    """A round from TOML (docs/reservations.md shows one); ValueError says what is wrong."""
    with path.open("rb") as f:
        raw: dict[str, Any] = tomllib.load(f)
    return RoundConfig.model_validate(raw)


def remaining(engine: Engine, round_id: str) -> dict[str, int] | None:
    """Places left per slot: a first-come round's stock; a lottery's places per draw
    (its quotas: a draw gives them all out). None: no such round."""
    with engine.connect() as conn:
        config = load_round(conn, round_id)
        if config is None:
            return None
        if config.mode == "lottery":
            return dict(config.quotas)
        rows = conn.execute(select(round_stock.c.slot, round_stock.c.remaining)
                            .where(round_stock.c.round_id == round_id)).all()
    return {slot: places for slot, places in rows}
