"""The fields a resident ID card carries, as the reader delivers them, and the demo deck."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class CardData:
    """Text fields of a card as read from the chip (trimmed of padding)."""

    name: str
    sex: str  # GB/T 2261.1 code: "1" male, "2" female
    nation: str  # GB/T 3304 code, "01" Han
    birth: str  # YYYYMMDD
    address: str
    id_number: str
    authority: str
    valid_from: str  # YYYYMMDD
    valid_to: str  # YYYYMMDD or 长期
    label: str = ""  # what a field tester calls this card; not on the chip


class DeckError(Exception):
    """The mock reader's card deck file is missing or malformed."""


def load_deck(path: Path) -> list[CardData]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        cards = [CardData(**entry) for entry in raw["cards"]]
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DeckError(f"{path}: cannot read card deck: {exc}") from exc
    except (KeyError, TypeError) as exc:
        raise DeckError(f"{path}: each [[cards]] entry needs the card fields: {exc}") from exc
    if not cards:
        raise DeckError(f"{path}: the deck holds no cards")
    return cards
