"""Second-generation resident ID card reader."""

from devices.idcard.card import CardData, DeckError, load_deck
from devices.idcard.mock import MockIdCardReader
from devices.idcard.reader import IdCardReader

__all__ = ["CardData", "DeckError", "IdCardReader", "MockIdCardReader", "load_deck"]
