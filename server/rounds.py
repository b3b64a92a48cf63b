"""A reservation round's rules, as configuration (after the 2020 mask reservations).

A round is one supply campaign for one item: who may enter, with which
documents, until when, and how places are given out. In ``first_come`` mode a
place is taken at entry while the slot has room; in ``lottery`` mode entries
wait for draws (``server.draws``) and a losing entry rolls into the next draw
until it expires. Slots are "pharmacy/window", or "pharmacy/window/type" when
the round has product types (mask types).
"""

from __future__ import annotations

import re
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from server.db import round_stock, rounds
from server.field_types import Ident, Moment, RegionCode, SlotName
from server.persons import DocumentType

_PART = r"[a-z0-9][a-z0-9-]*"
SLOT = re.compile(rf"{_PART}/{_PART}(/{_PART})?")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Eligibility(_Strict):
    # Local household registration: resident ID numbers starting with one of these
    # region codes ("3502" is Xiamen). Empty: residence does not qualify anyone.
    residence_regions: tuple[RegionCode, ...] = Field(default=(), max_length=100)
    # Local social security also qualifies (the registry the platform holds, `insured`).
    social_security: StrictBool = False
    # Neither set: the round is open to everyone with an accepted document.

    @property
    def open_to_all(self) -> bool:
        return not self.residence_regions and not self.social_security


class RoundConfig(_Strict):
    id: Ident
    item_id: str = Field(default="mask-reservation", min_length=1, max_length=64)
    mode: Literal["lottery", "first_come"]
    opens_at: Moment
    closes_at: Moment  # entries after this are refused
    eligibility: Eligibility = Eligibility()
    document_types: tuple[DocumentType, ...] = Field(default=(DocumentType.RESIDENT_ID,),
                                                     min_length=1)
    # Winners may not enter any round for the same item for this many days.
    lockout_days: StrictInt = Field(default=10, ge=0, le=365)
    # A lottery entry that loses stays in the following draws this long.
    entry_validity_days: StrictInt = Field(default=10, ge=1, le=365)
    health_report_required: StrictBool = True
    # Mask types; empty when the item comes in one kind.
    product_types: tuple[Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")], ...] = Field(
        default=(), max_length=10)
    # Offer "accept either type": the entry may take a place of another type.
    either_type_opt_in: StrictBool = True
    # People this old or older are entered automatically into every draw until they
    # win, without coming back when their entry would expire. None: no such rule.
    auto_entry_age: StrictInt | None = Field(default=65, ge=0, le=150)
    # Places per slot: for each draw in a lottery, for the whole round first-come.
    quotas: dict[SlotName, Annotated[StrictInt, Field(ge=0, le=1_000_000)]] = Field(
        min_length=1, max_length=10_000)
    # A pickup code is valid for this many days after the place is given.
    pickup_days: StrictInt = Field(default=2, ge=1, le=60)

    @model_validator(mode="after")
    def _consistent(self) -> RoundConfig:
        if self.closes_at <= self.opens_at:
            raise ValueError("closes_at must be after opens_at")
        if len(set(self.product_types)) != len(self.product_types):
            raise ValueError("product_types must not repeat")
        for slot, places in self.quotas.items():
            if not SLOT.fullmatch(slot):
                raise ValueError(f"quota slot {slot!r} is not pharmacy/window[/type]")
            if places < 0:
                raise ValueError(f"quota for {slot!r} is negative")
            typed = slot.count("/") == 2
            if typed != bool(self.product_types):
                raise ValueError(f"quota slot {slot!r}: name a type exactly when the round"
                                 " has product_types")
            if typed and slot.rsplit("/", 1)[1] not in self.product_types:
                raise ValueError(f"quota slot {slot!r}: type not in product_types")
        return self

    def choices(self, slot: str, product_type: str | None, accept_either: bool
                ) -> tuple[str, ...] | None:
        """The slots an entry may take, first choice first; None when ``slot`` or
        ``product_type`` is not on offer."""
        if not self.product_types:
            return (slot,) if slot in self.quotas and product_type is None else None
        if product_type not in self.product_types:
            return None
        first = f"{slot}/{product_type}"
        if first not in self.quotas:
            return None
        if not (accept_either and self.either_type_opt_in):
            return (first,)
        others = [f"{slot}/{t}" for t in self.product_types if t != product_type]
        return (first, *[o for o in others if o in self.quotas])


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
