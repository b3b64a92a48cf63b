"""Lottery draws for a round: commit (close the list, publish the commitment and
the seed's name), then draw once the seed's value is public.

Each draw takes every live entry: entered, not expired (entries of people aged
``auto_entry_age`` and over never expire), and not of someone inside the
lockout after winning. Losers stay entered and roll into the next draw. The
draw's winners get their places and signed pickup codes in the same
transaction that stores the drawn record, and a draw can be run only once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.engine import Engine

from server.db import draws, entries
from server.lottery import Draw, Entrant, commit, draw, parse_draw
from server.reservations import Describe, issue_for
from server.rounds import load_round
from server.signing import PickupSigner


class DrawStateError(ValueError):
    """A draw asked for out of turn: the message says what state it is in."""


def draw_id(round_id: str, number: int) -> str:
    return f"{round_id}#{number}"


def commit_draw(engine: Engine, round_id: str, seed_name: str, now: datetime) -> tuple[int, Draw]:
    with engine.begin() as conn:
        config = load_round(conn, round_id)
        if config is None:
            raise LookupError(f"no round {round_id!r}")
        if config.mode != "lottery":
            raise DrawStateError(f"round {round_id} is first come, first served: no draws")
        waiting = conn.execute(select(draws.c.number).where(draws.c.round_id == round_id,
                                                            draws.c.drawn_at.is_(None))).scalar()
        if waiting is not None:
            raise DrawStateError(f"draw {waiting} of round {round_id} is committed and waits"
                                 " for its seed")
        locked = (select(entries.c.person)
                  .where(entries.c.item_id == config.item_id,
                         entries.c.won_at > now - timedelta(days=config.lockout_days)))
        rows = conn.execute(select(entries.c.person, entries.c.choices)
                            .where(entries.c.round_id == round_id,
                                   entries.c.status == "entered",
                                   entries.c.created_at <= now,
                                   or_(entries.c.expires_at.is_(None),
                                       entries.c.expires_at > now),
                                   entries.c.person.not_in(locked))).all()
        number = (conn.execute(select(func.max(draws.c.number))
                               .where(draws.c.round_id == round_id)).scalar() or 0) + 1
        committed = commit(draw_id(round_id, number),
                           [Entrant(r.person, tuple(r.choices)) for r in rows],
                           config.quotas, seed_name)
        conn.execute(draws.insert().values(round_id=round_id, number=number,
                                           record=committed.to_json(), committed_at=now))
    return number, committed


def run_draw(engine: Engine, signer: PickupSigner, describe: Describe, round_id: str,
             number: int, seed_value: str, now: datetime) -> Draw:
    with engine.begin() as conn:
        config = load_round(conn, round_id)
        row = conn.execute(select(draws).where(draws.c.round_id == round_id,
                                               draws.c.number == number).with_for_update()
                           ).first()
        if config is None or row is None:
            raise LookupError(f"no draw {number} in round {round_id!r}")
        if row.drawn_at is not None:
            raise DrawStateError(f"draw {number} of round {round_id} was drawn already")
        result = draw(parse_draw(row.record), seed_value)
        done = conn.execute(update(draws).where(draws.c.round_id == round_id,
                                                draws.c.number == number,
                                                draws.c.drawn_at.is_(None))
                            .values(record=result.to_json(), drawn_at=now)).rowcount
        if not done:
            raise DrawStateError(f"draw {number} of round {round_id} was drawn already")
        expires = now + timedelta(days=config.pickup_days)
        for winner in result.winners:
            reference = conn.execute(
                update(entries).where(entries.c.round_id == round_id,
                                      entries.c.person_slot == winner.pseudonym,
                                      entries.c.status == "entered")
                .values(status="won", slot=winner.slot, won_at=now)
                .returning(entries.c.reference)).scalar()
            if reference is None:
                raise DrawStateError(f"winner {winner.pseudonym[:12]}… has no live entry")
            issue_for(conn, signer, describe, config, reference, winner.slot, expires, now)
    return result


def published(engine: Engine, round_id: str, number: int) -> dict[str, Any]:
    with engine.connect() as conn:
        record = conn.execute(select(draws.c.record).where(draws.c.round_id == round_id,
                                                           draws.c.number == number)).scalar()
    if record is None:
        raise LookupError(f"no draw {number} in round {round_id!r}")
    return dict(record)
