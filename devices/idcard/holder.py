"""What an identity card's chip says about its holder, with codes mapped to names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class CardType(StrEnum):
    """The card type flag at byte 248 of the text block."""

    RESIDENT = "resident"  # 居民身份证 (flag blank)
    HMT_PERMIT = "hmt_permit"  # 港澳台居民居住证 (flag J)
    FOREIGNER_2017 = "foreigner_2017"  # 外国人永久居留身份证, 2017 layout (flag I)
    FOREIGNER_2023 = "foreigner_2023"  # 外国人永久居留身份证, 2023 layout (flag Y)


@dataclass(frozen=True, slots=True, repr=False)
class CardHolder:
    """A card holder as the chip records them. Sensitive: mask before showing or printing.

    Fields a card type does not carry are empty (a permit has no nation, a foreign
    resident card no address). The photo travels separately.
    """

    card_type: CardType
    name: str  # Chinese name; may be empty on a foreigner's card
    sex: str  # 男 / 女 (GB/T 2261.1 name)
    nation: str  # 汉族 ... (GB/T 3304 name); empty on permits and foreigners' cards
    birth_date: date
    address: str
    id_number: str  # the 18-character number; a 2017 foreigner's card has 15 characters
    authority: str  # issuing office (an office code on the 2017 foreigner's card)
    valid_from: date
    valid_until: date | None  # None: 长期 (valid for life)
    english_name: str = ""
    nationality: str = ""  # ISO 3166-1 alpha-3 code on a foreigner's card
    pass_number: str = ""  # HK/Macau/Taiwan travel pass number on a residence permit
    issue_count: int | None = None  # how many times this permit or card has been issued
    card_version: str = ""  # 2017 foreigner's card only
    appended_address: str = ""  # 追加住址: a newer address the police wrote to the chip

    @property
    def current_address(self) -> str:
        return self.appended_address or self.address

    @property
    def display_name(self) -> str:
        return self.name or self.english_name

    def __repr__(self) -> str:
        # Tracebacks and logs must not carry a citizen's name or number.
        return (f"CardHolder({self.card_type}, name=<{len(self.display_name)} chars>, "
                "id_number=<masked>)")
