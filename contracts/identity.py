"""Who the citizen is: the identity model, ID number validation (GB 11643) and masking.

Validation checks the checksum and the birth date only: a region table goes
stale, and HK/Macau/Taiwan permits (81/82/83) and the 2023 foreigner card
(starting with 9) must pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# ASCII digits only: str patterns' \d would accept full-width and other scripts' digits.
_PARTIAL = re.compile(r"[0-9]{0,18}|[0-9]{17}X")


class IdSource(StrEnum):
    CARD = "card"  # read from the chip by the ID card reader
    QR = "qr"  # e-ID code scanned
    MANUAL = "manual"  # typed by the citizen


class Document(StrEnum):
    """Which document the identity was read from (the screen names it)."""

    RESIDENT_ID = "resident_id"  # 居民身份证 (also an e-ID or a typed number)
    HMT_PERMIT = "hmt_permit"  # 港澳台居民居住证
    FOREIGNER_CARD = "foreigner_card"  # 外国人永久居留身份证 (2017 or 2023 layout)


class IdNumberProblem(StrEnum):
    """Why an ID number was refused: each maps to its own message."""

    EMPTY = "empty"
    LENGTH = "length"
    CHARACTERS = "characters"
    BIRTH_DATE = "birth_date"
    CHECKSUM = "checksum"


@dataclass(frozen=True, slots=True)
class Identity:
    """The person being served. Sensitive: never logged, shown or printed unmasked."""

    name: str
    id_number: str
    source: IdSource
    address: str = ""
    phone: str = ""
    # From the card's chip. A typed or QR identity takes it from the ID number; a 2017
    # foreigner's card number (15 characters) does not carry one.
    born: date | None = None
    document: Document = Document.RESIDENT_ID
    name_en: str = ""  # the card's English name (foreigner's cards, some permits)

    def shown_name(self, lang: str) -> str:
        """The name as this language's screen shows it: the card's English name on an
        English screen where the card has one."""
        return self.name_en if self.name_en and not lang.startswith("zh") else self.name

    @property
    def birth_date(self) -> date:
        return self.born or birth_date_of(self.id_number)


def normalise_id_number(raw: str) -> str:
    return raw.strip().replace(" ", "").upper()


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def birth_date_of(id_number: str) -> date:
    s = id_number[6:14]
    return date(int(s[:4]), int(s[4:6]), int(s[6:8]))


def id_number_problem(raw: str, today: date) -> IdNumberProblem | None:
    """None when ``raw`` is a valid 18-character ID number, else the first thing wrong."""
    value = normalise_id_number(raw)
    if not value:
        return IdNumberProblem.EMPTY
    # Characters before length: a wrong character is wrong at once, even half typed.
    if len(value) <= 18 and not _PARTIAL.fullmatch(value):
        return IdNumberProblem.CHARACTERS
    if len(value) != 18:
        return IdNumberProblem.LENGTH
    try:
        born = birth_date_of(value)
    except ValueError:
        return IdNumberProblem.BIRTH_DATE
    if born > today or born.year < 1880:
        return IdNumberProblem.BIRTH_DATE
    if check_digit(value[:17]) != value[17]:
        return IdNumberProblem.CHECKSUM
    return None


def mask_id_number(id_number: str) -> str:
    """First 3 and last 4 characters: never the birth date."""
    value = normalise_id_number(id_number)
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(name: str) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧***; a Latin name keeps its first letter."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str) -> str:
    """13812341234 -> 138****1234."""
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


_NAME = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f·A-Za-z .'-]+")
_LETTER = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134fA-Za-z]")


def name_problem(raw: str) -> str | None:
    """None for a plausible name (Han, Latin, the middle dot of minority names), else why."""
    name = raw.strip()
    if not name:
        return "name_required"
    if len(name) > 30:
        return "name_too_long"
    if not _NAME.fullmatch(name) or not _LETTER.search(name):
        return "name_characters"
    return None
