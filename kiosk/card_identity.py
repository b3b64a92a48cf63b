"""From a card on the reader to the person being served: is the card valid today?"""

from __future__ import annotations

from datetime import date

from contracts.identity import Document, Identity, IdSource
from devices import idcard


def card_problem(card: idcard.CardHolder, today: date) -> str | None:
    """None for a card valid today, else why not ("expired", "not_yet_valid")."""
    if card.valid_from > today:
        return "not_yet_valid"
    if card.valid_until is not None and card.valid_until < today:
        return "expired"
    return None


DOCUMENTS = {
    idcard.CardType.RESIDENT: Document.RESIDENT_ID,
    idcard.CardType.HMT_PERMIT: Document.HMT_PERMIT,
    idcard.CardType.FOREIGNER_2017: Document.FOREIGNER_CARD,
    idcard.CardType.FOREIGNER_2023: Document.FOREIGNER_CARD,
}


def identity_from_card(card: idcard.CardHolder) -> Identity:
    return Identity(
        name=card.display_name,
        name_en=card.english_name,
        id_number=card.id_number,
        source=IdSource.CARD,
        address=card.current_address,
        born=card.birth_date,
        document=DOCUMENTS[card.card_type],
    )
