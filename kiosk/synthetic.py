"""Synthetic applications and reservation entries for field tests and benchmarks
(``main.py simulate``).

Shaped like a real submission (identity, answers, decision) with made-up
people whose ID numbers carry a valid check digit, so the platform's
validation sees what it would see from a real kiosk.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from contracts.identity import Identity, IdSource, check_digit
from contracts.platform_api import RoundConfig
from contracts.wire import Applicant, ApplicationPayload, KioskDecision
from kiosk.reservations import Choice, ReservationDraft

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"
_REGIONS = ("310104", "350203", "350206", "320102", "110105", "440304")
ITEM_ID = "synthetic-field-test"


def synthetic_application(rng: random.Random) -> tuple[str, dict[str, Any]]:
    """(item id, payload) for one made-up application."""
    born = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 65))
    first17 = f"{rng.choice(_REGIONS)}{born:%Y%m%d}{rng.randrange(1000):03d}"
    name = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))
    phone = f"13{rng.randrange(10)}{rng.randrange(10**8):08d}"
    payload = ApplicationPayload(
        identity=Applicant(name=name, id_number=first17 + check_digit(first17),
                           born=born.isoformat(), source="synthetic"),
        answers={"phone": phone},
        decision=KioskDecision(outcome="review"),
    )
    return ITEM_ID, payload.model_dump(mode="json")


def synthetic_identity(rng: random.Random, regions: tuple[str, ...] = ()) -> Identity:
    """A made-up resident whose ID number carries a valid check digit; born in one of
    ``regions`` (region-code prefixes) when given."""
    born = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 65))
    prefix = rng.choice(regions) if regions else rng.choice(_REGIONS)
    region = (prefix + "".join(str(rng.randrange(10)) for _ in range(6)))[:6]
    first17 = f"{region}{born:%Y%m%d}{rng.randrange(1000):03d}"
    name = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))
    return Identity(name=name, id_number=first17 + check_digit(first17),
                    source=IdSource.CARD, born=born)


def synthetic_reservation(rng: random.Random, config: RoundConfig) -> ReservationDraft:
    """A made-up person's entry in ``config`` with every choice made, as the screen would
    make it: a slot the round offers, well, either type when offered."""
    identity = synthetic_identity(rng, config.eligibility.residence_regions)
    draft = ReservationDraft(config, identity)
    parts = rng.choice(sorted(config.quotas)).split("/")
    draft.picked[Choice.PHARMACY], draft.picked[Choice.WINDOW] = parts[0], parts[1]
    if len(parts) == 3:
        draft.picked[Choice.PRODUCT] = parts[2]
    draft.picked[Choice.HEALTH] = "well"
    if Choice.EITHER in draft.steps():
        draft.picked[Choice.EITHER] = rng.choice(("yes", "no"))
    return draft
