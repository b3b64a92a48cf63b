"""Lottery draws for a round: commit (close the list, publish the commitment and
the beacon round it will be drawn with), then draw once that round is out.

The seed is never an input: the draw takes the named beacon round's signature,
checks it with the chain's public key and derives the seed from it
(``server.lottery``); a signature that does not check is refused, and so is a commit
naming a round already out (or due within ``MIN_LEAD``). On the test chain (the demo,
no internet) the platform signs the round itself: such a record says so.

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

from server.beacon import BeaconError, Chain, known_chain, sign_test_round
from server.db import draws, entries
from server.keyring import round_key
from server.lottery import (
    LEGACY_FORMAT,
    Draw,
    DrawError,
    Entrant,
    commit,
    draw,
    first_usable_round,
    parse_draw,
)
from server.persons import round_pseudonym
from server.reservations import Describe, issue_for
from server.rounds import load_round
from server.sealing import PayloadCipher
from server.signing import PickupSigner


class DrawStateError(ValueError):
    """A draw asked for out of turn: the message says what state it is in."""


class TestBeaconRefused(DrawStateError):
    """A draw on the test chain, on a platform that is not the demo's."""


_TEST_REFUSAL = ("the beacon chain \"test\" has a public signing key, so anyone can forge"
                 " its beacons and choose the draw: this platform draws only on a real"
                 " chain (\"quicknet\"); only the demo platform accepts \"test\"")


def _void_reason(record: dict[str, Any], allow_test: bool) -> str | None:
    """Why a draw left waiting can never be drawn (None: it can)."""
    if record.get("format") == LEGACY_FORMAT:
        return ("committed under format 1, whose seed was chosen at the draw; replaced by"
                " the next draw")
    if not allow_test and (record.get("chain") or {}).get("test"):
        return ("committed on the test beacon chain, whose key is public, on a platform"
                " that draws only on a real chain; replaced by the next draw")
    return None


def draw_id(round_id: str, number: int) -> str:
    return f"{round_id}#{number}"


def commit_draw(engine: Engine, cipher: PayloadCipher, round_id: str, chain: Chain,
                beacon_round: int | None, now: datetime, allow_test: bool = False
                ) -> tuple[int, Draw]:
    """Close the list for the next draw, naming ``beacon_round`` of ``chain`` (None: the
    first round a commit made now may name). ``cipher`` opens the round's key;
    ``allow_test``: the test chain may be named (the demo platform only)."""
    if chain.test and not allow_test:
        raise TestBeaconRefused(_TEST_REFUSAL)
    with engine.begin() as conn:
        config = load_round(conn, round_id)
        if config is None:
            raise LookupError(f"no round {round_id!r}")
        if config.mode != "lottery":
            raise DrawStateError(f"round {round_id} is first come, first served: no draws")
        waiting = conn.execute(select(draws.c.number, draws.c.record)
                               .where(draws.c.round_id == round_id,
                                      draws.c.drawn_at.is_(None))).first()
        void = None if waiting is None else _void_reason(waiting.record, allow_test)
        if waiting is not None and void is not None:
            # Its seed would be whatever is posted, or anyone's forgery: void it.
            conn.execute(update(draws).where(draws.c.round_id == round_id,
                                             draws.c.number == waiting.number)
                         .values(drawn_at=now, record={**waiting.record, "void": void}))
        elif waiting is not None:
            raise DrawStateError(f"draw {waiting.number} of round {round_id} is committed and"
                                 " waits for its beacon round")
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
        key = round_key(conn, cipher, round_id, now)
        committed = commit(draw_id(round_id, number),
                           [Entrant(round_pseudonym(key, r.person), tuple(r.choices))
                            for r in rows],
                           config.quotas, chain,
                           first_usable_round(chain, now) if beacon_round is None
                           else beacon_round, now)
        conn.execute(draws.insert().values(round_id=round_id, number=number,
                                           record=committed.to_json(), committed_at=now))
    return number, committed


def run_draw(engine: Engine, cipher: PayloadCipher, signer: PickupSigner, describe: Describe,
             round_id: str, number: int, beacon_signature: str | None, now: datetime,
             allow_test: bool = False) -> Draw:
    """Draw with the committed beacon round's signature (None: the test chain's, which
    the platform makes itself, when ``allow_test``). Anything that does not check is
    refused."""
    with engine.begin() as conn:
        config = load_round(conn, round_id)
        row = conn.execute(select(draws).where(draws.c.round_id == round_id,
                                               draws.c.number == number).with_for_update()
                           ).first()
        if config is None or row is None:
            raise LookupError(f"no draw {number} in round {round_id!r}")
        if row.drawn_at is not None:
            raise DrawStateError(f"draw {number} of round {round_id} was drawn already")
        committed = parse_draw(row.record)
        try:
            chain = known_chain(committed.chain)
        except BeaconError as exc:
            raise DrawError(str(exc)) from exc
        if chain.test and not allow_test:
            raise TestBeaconRefused(_TEST_REFUSAL)
        due = chain.round_time(committed.beacon_round)
        if now < due:
            raise DrawStateError(f"beacon round {committed.beacon_round} of chain"
                                 f" {chain.name} comes out at {due.isoformat()}: draw after it")
        if beacon_signature is None:
            if not chain.test:
                raise DrawError(f"the signature of round {committed.beacon_round} of chain"
                                f" {chain.name} is needed")
            beacon_signature = sign_test_round(committed.beacon_round)
        result = draw(committed, beacon_signature)
        done = conn.execute(update(draws).where(draws.c.round_id == round_id,
                                                draws.c.number == number,
                                                draws.c.drawn_at.is_(None))
                            .values(record=result.to_json(), drawn_at=now)).rowcount
        if not done:
            raise DrawStateError(f"draw {number} of round {round_id} was drawn already")
        key = round_key(conn, cipher, round_id, now)
        live = {round_pseudonym(key, r.person): r.pk for r in conn.execute(
            select(entries.c.pk, entries.c.person).where(entries.c.round_id == round_id,
                                                         entries.c.status == "entered"))}
        expires = now + timedelta(days=config.pickup_days)
        for winner in result.winners:
            pk = live.get(winner.pseudonym)
            reference = None if pk is None else conn.execute(
                update(entries).where(entries.c.pk == pk, entries.c.status == "entered")
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
