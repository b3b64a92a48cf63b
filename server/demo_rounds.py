"""Two open mask-reservation rounds for the demo and the tests: the embedded platform
adds them on start, so a demo kiosk has rounds to show (docs/reservations.md lists
them). Their ids and slots are fixed; their times follow the platform's clock."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from sqlalchemy import update
from sqlalchemy.engine import Engine

from contracts.platform_api import DocumentType, Eligibility, RoundConfig
from server.db import rounds
from server.rounds import RoundCache, RoundExists, create_round, forget_round, load_round

FIRST_COME = "demo-masks-first-come"
LOTTERY = "demo-masks-lottery"
DEMO_ROUNDS = (FIRST_COME, LOTTERY)
BEIJING = timezone(timedelta(hours=8))
DRAW_AT = time(20, 0, tzinfo=BEIJING)  # each evening
DRAWS = 7
# One place only: the demo's and the tests' "sold out".
SOLD_OUT_SLOT = "xa-01/all"


def demo_rounds(now: datetime) -> list[RoundConfig]:
    """Open a week before ``now``'s day, closing 30 days after it (Beijing time)."""
    today = now.astimezone(BEIJING).date()
    opens = datetime.combine(today - timedelta(days=7), time(0, 0, tzinfo=BEIJING))
    closes = datetime.combine(today + timedelta(days=30), time(22, 0, tzinfo=BEIJING))
    evenings = (datetime.combine(today + timedelta(days=k), DRAW_AT) for k in range(DRAWS + 1))
    draw_times = tuple(d for d in evenings if d > now)[:DRAWS]
    first_come = RoundConfig(
        id=FIRST_COME, mode="first_come", opens_at=opens, closes_at=closes,
        # The demo cards are Shanghai residents but one (Nanjing): "not eligible".
        eligibility=Eligibility(residence_regions=("31",)),
        document_types=(DocumentType.RESIDENT_ID, DocumentType.HMT_RESIDENCE_PERMIT),
        lockout_days=10, health_report_required=True, product_types=(),
        either_type_opt_in=False, auto_entry_age=None, pickup_days=2,
        quotas={"sm-01/am": 100, "sm-01/pm": 100, "sm-02/am": 80, "hl-01/am": 120,
                "jm-01/all": 150, SOLD_OUT_SLOT: 1},
        manual_entry=False, offline_redemption=True)
    lottery = RoundConfig(
        id=LOTTERY, mode="lottery", opens_at=opens, closes_at=closes,
        eligibility=Eligibility(),  # open to all
        document_types=(DocumentType.RESIDENT_ID, DocumentType.HMT_RESIDENCE_PERMIT,
                        DocumentType.PASSPORT, DocumentType.FOREIGN_PERMANENT),
        lockout_days=10, entry_validity_days=10, health_report_required=True,
        product_types=("kn95", "surgical"), either_type_opt_in=True, auto_entry_age=65,
        pickup_days=2, draw_times=draw_times,
        quotas={"sm-01/am/kn95": 50, "sm-01/am/surgical": 50, "sm-01/pm/kn95": 50,
                "sm-01/pm/surgical": 50, "hl-01/am/kn95": 60, "hl-01/am/surgical": 60,
                "jm-01/all/kn95": 75, "jm-01/all/surgical": 75},
        manual_entry=False, offline_redemption=False)
    return [first_come, lottery]


def add_demo_rounds(engine: Engine, now: datetime, cache: RoundCache | None = None
                    ) -> list[str]:
    """Create the demo rounds; a demo database kept from an earlier run keeps its rounds
    (and their entries) unless they have closed, when their times move on. Returns the
    ids created or reopened."""
    changed = []
    for config in demo_rounds(now):
        try:
            create_round(engine, config, now, cache)
            changed.append(config.id)
            continue
        except RoundExists:
            pass
        with engine.begin() as conn:
            kept = load_round(conn, config.id)  # as stored now, not as remembered
            if kept is not None and kept.closes_at <= now:
                times = {"opens_at": config.opens_at, "closes_at": config.closes_at,
                         "draw_times": config.draw_times}
                moved = kept.model_copy(update=times)
                conn.execute(update(rounds).where(rounds.c.id == config.id)
                             .values(config=moved.model_dump(mode="json")))
                changed.append(config.id)
        forget_round(cache, config.id)  # its times may have moved (the app's cache)
    return changed

