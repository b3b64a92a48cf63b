"""Resident ID card readers (SAM protocol over a serial line) and every card type they read."""

from devices.idcard.answers import CardRecord, parse_read_answer
from devices.idcard.deck import DeckCard, DeckError, load_deck
from devices.idcard.driver import (
    CardProblem,
    CardRead,
    CardRemoved,
    ReaderEvent,
    SerialIdCardReader,
)
from devices.idcard.frames import (
    Command,
    CommandDecoder,
    Frame,
    FrameDecoder,
    FrameError,
    build_command,
    build_response,
)
from devices.idcard.holder import CardHolder, CardType
from devices.idcard.mock_reader import MockCardReader, MockReaderState
from devices.idcard.reader import IdCardReader
from devices.idcard.sw3 import Remedy, status_word
from devices.idcard.text_block import TextBlockError, parse_appended_address, parse_card_holder

__all__ = [
    "CardProblem", "CardRead", "CardRemoved", "CardRecord", "CardType", "Command", "CommandDecoder",
    "DeckCard", "DeckError", "Frame", "FrameDecoder", "FrameError", "IdCardReader", "CardHolder",
    "MockCardReader", "MockReaderState", "ReaderEvent", "Remedy", "SerialIdCardReader",
    "TextBlockError", "build_command", "build_response", "load_deck", "parse_appended_address",
    "parse_card_holder", "parse_read_answer", "status_word",
]
