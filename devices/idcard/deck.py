"""The mock reader's cards: a TOML deck of chip contents, checked by the real parser."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from devices.idcard.answers import FINGERPRINT_LEN, PHOTO_LEN, CardRecord
from devices.idcard.holder import CardHolder, CardType
from devices.idcard.text_block import (
    TextBlockError,
    encode_appended_address,
    encode_text_block,
    parse_appended_address,
    parse_card_holder,
)


class DeckError(Exception):
    """The card deck file is missing or malformed."""


@dataclass(frozen=True)
class DeckCard:
    label: str  # what a field tester calls the card; not on the chip
    record: CardRecord  # the chip's text block, photo and fingerprints, byte for byte
    appended_address: bytes | None = field(repr=False)  # what 30 03 answers; None: none
    holder: CardHolder  # what the real parser reads from the record
    label_zh: str = ""  # the label in Chinese, for the staff screen in zh-CN; "": label


def _filler(seed: str, size: int) -> bytes:
    # Stands in for WLT photo and fingerprint data: fixed per card, opaque like the real thing.
    out = b""
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    return out[:size]


def make_card(entry: dict[str, object]) -> DeckCard:
    """One deck entry: label (and label_zh), type (default resident), the chip's text
    fields as the card stores them (sex and nation as codes, dates as YYYYMMDD or 长期),
    and optionally appended_address and fingerprint = true."""
    fields = {k: str(v) for k, v in entry.items()
              if k not in ("label", "label_zh", "type", "appended_address", "fingerprint")}
    card_type = CardType(str(entry.get("type", CardType.RESIDENT)))
    seed = fields.get("id_number", "")
    record = CardRecord(
        text=encode_text_block(card_type, fields),
        photo=_filler(f"photo:{seed}", PHOTO_LEN),
        fingerprint=_filler(f"fp:{seed}", FINGERPRINT_LEN) if entry.get("fingerprint") else b"",
    )
    appended = entry.get("appended_address")
    holder = parse_card_holder(record.text)
    extra = None
    if appended:
        extra = encode_appended_address(str(appended))
        holder = replace(holder, appended_address=parse_appended_address(extra))
    label = str(entry.get("label", holder.display_name))
    return DeckCard(label, record, extra, holder, str(entry.get("label_zh", label)))


def load_deck(path: Path) -> list[DeckCard]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DeckError(f"{path}: cannot read card deck: {exc}") from exc
    entries = raw.get("cards")
    if not isinstance(entries, list) or not entries:
        raise DeckError(f"{path}: the deck needs at least one [[cards]] entry")
    cards = []
    for n, entry in enumerate(entries, 1):
        try:
            cards.append(make_card(entry))
        except (TextBlockError, ValueError) as exc:
            raise DeckError(f"{path}: card {n} ({entry.get('label', '?')}): {exc}") from exc
    return cards
