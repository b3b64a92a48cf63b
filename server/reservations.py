"""Entering a reservation round: every rule of the round's configuration, then a
place at once (first come) or a wait for the draw (lottery).

Each request carries the client's UUID: a retried request gets the first
answer back and changes nothing. Every request leaves a row, refusals
included, so a replay, staff and the statistics all see the same thing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, bindparam, func, literal, null, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from contracts.platform_api import (
    DocumentType,
    EntryOutcome,
    EntryRequest,
    EntryView,
    RoundConfig,
    Withdrawal,
)
from server.caches import PlatformCaches
from server.db import aware, entries, insured, offline_entries, pickups, round_stock
from server.persons import age_on, birth_date, document_problem, person_of, published_outcome
from server.pickups import issue
from server.rounds import RoundCache, cached_round, load_round
from server.sealing import PayloadCipher
from server.signing import PickupSigner

# slot -> (site, window) as a pickup code and a slip name them
Describe = Callable[[str], tuple[str, str]]


class _Refusal(Exception):
    def __init__(self, reason: str, detail: str, recorded: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.detail = reason, detail
        self.recorded = recorded  # its row is written already


class _NeedsTransaction(Exception):
    """An entry that writes more than one row, met in ``enter_in_one_write``: nothing is
    written yet; make it with ``enter``."""


SOLD_OUT = "every place you chose is taken"


def enter(engine: Engine, key: bytes, cipher: PayloadCipher, signer: PickupSigner,
          describe: Describe, req: EntryRequest, kiosk_id: str, now: datetime,
          caches: PlatformCaches | None = None) -> EntryOutcome:
    """``key``: the person key; ``cipher`` opens the round's key (server.keyring);
    ``caches``: the serving app's (rounds, round keys)."""
    rounds, keys = (None, None) if caches is None else (caches.rounds, caches.round_keys)
    for _ in range(3):
        try:
            with engine.begin() as conn:
                return published_outcome(
                    conn, cipher,
                    _enter(conn, key, signer, describe, req, kiosk_id, now, rounds=rounds),
                    req.round_id, now, keys)
        except IntegrityError:
            # The same person (or the same request) at another kiosk in the same
            # instant: the other one committed first; the next pass sees its row.
            continue
    raise RuntimeError(f"request {req.id}: the same person kept colliding")


def enter_in_one_write(engine: Engine, key: bytes, cipher: PayloadCipher,
                       signer: PickupSigner, describe: Describe, req: EntryRequest,
                       kiosk_id: str, now: datetime, caches: PlatformCaches
                       ) -> EntryOutcome | None:
    """``enter`` for an answer that is a read (a replay) or one row written (a refusal,
    sold out included), each statement its own transaction (PostgreSQL: no BEGIN and
    COMMIT round trips; bench/RESULTS.md). None: the entry needs more than one write
    (a place given, an edit, a lottery entry) or collided, and nothing was written:
    make it with ``enter``. Exactly the rules of ``enter``, in the same order."""
    try:
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            return published_outcome(
                conn, cipher,
                _enter(conn, key, signer, describe, req, kiosk_id, now, rounds=caches.rounds,
                       one_write=True),
                req.round_id, now, caches.round_keys)
    except (_NeedsTransaction, IntegrityError):
        return None


def enter_in(conn: Connection, key: bytes, cipher: PayloadCipher, signer: PickupSigner,
             describe: Describe, req: EntryRequest, kiosk_id: str, now: datetime,
             rules_at: datetime | None = None, caches: PlatformCaches | None = None
             ) -> EntryOutcome:
    """``enter`` inside the caller's transaction. ``rules_at``: the moment the round's
    rules are judged at (an entry made offline: when it was made, server.offline);
    rows and pickup codes are stamped ``now``, the platform's receipt."""
    rounds, keys = (None, None) if caches is None else (caches.rounds, caches.round_keys)
    return published_outcome(
        conn, cipher,
        _enter(conn, key, signer, describe, req, kiosk_id, now, rules_at or now, rounds),
        req.round_id, now, keys)


def _enter(conn: Connection, key: bytes, signer: PickupSigner, describe: Describe,
           req: EntryRequest, kiosk_id: str, now: datetime,
           rules_at: datetime | None = None, rounds: RoundCache | None = None, *,
           one_write: bool = False) -> EntryOutcome:
    """``one_write``: raise _NeedsTransaction before writing a second row."""
    at = rules_at or now
    known = cached_round(rounds, req.round_id)
    seen = _look(conn, key, req, at, known)
    earlier = seen.earlier if seen is not None else conn.execute(
        select(entries).where(entries.c.request_id == req.id)).first()
    if earlier is not None:
        return _outcome(conn, earlier, replayed=True)
    config = known or load_round(conn, req.round_id, rounds)
    if config is None:
        return EntryOutcome(request_id=req.id, status="refused", reason="unknown_round",
                            detail=f"there is no round {req.round_id!r}")
    person = ""
    try:
        person, born, choices = _check(conn, key, config, req, at, seen)
        return _place(conn, signer, describe, config, req, kiosk_id, person, born, choices,
                      now, at, seen, one_write)
    except _Refusal as refusal:
        if refusal.recorded:
            return EntryOutcome(request_id=req.id, status="refused", reason=refusal.reason,
                                detail=refusal.detail, pseudonym=person)
        # The row names the person even when the refusal came before the pseudonym
        # was needed: "my reservation" finds an offline entry's refusal by card.
        _record(conn, config, req, kiosk_id, person or _named(key, req, at),
                "refused", now, reason=refusal.reason, detail=refusal.detail)
        return EntryOutcome(request_id=req.id, status="refused", reason=refusal.reason,
                            detail=refusal.detail, pseudonym=person)


@dataclass(frozen=True, slots=True)
class _Seen:
    """What an entry's checks read, fetched in one statement before them: this request
    id's row, the person's live entry in the round and their last won place of the
    same item elsewhere (the lockout). On PostgreSQL one round trip for three
    (bench/RESULTS.md)."""

    earlier: Any  # the row of this request id, or None
    live: Any  # the person's live entry in this round, or None
    won: datetime | None


def _look(conn: Connection, key: bytes, req: EntryRequest, at: datetime,
          config: RoundConfig | None) -> _Seen | None:
    """None: the round is not at hand or the number is not a document's (the checks
    then read what they need themselves, in their order)."""
    if config is None or document_problem(req.document_type, req.document_number,
                                           at.date()) is not None:
        return None
    person = person_of(key, req.document_type, req.document_number)
    rows = conn.execute(_LOOK_LOCKED if config.lockout_days else _LOOK, {
        "request_id": req.id, "round_id": config.id, "person": person,
        "item_id": config.item_id}).all()
    earlier = next((r for r in rows if r.request_id == req.id), None)
    live = next((r for r in rows if r.round_id == config.id and r.person_slot == person),
                None)
    return _Seen(earlier, live, rows[0].last_won)


def _look_statement(lockout: bool) -> Any:
    """One row at least (the last place won elsewhere, for the lockout), with the
    request's and the live entry's rows beside it when there are any. Built once:
    building a statement per request was a share of the entry's time."""
    person: Any = bindparam("person", type_=String)
    round_id: Any = bindparam("round_id", type_=String)
    won = select(func.max(entries.c.won_at)).where(
        entries.c.person == person, entries.c.item_id == bindparam("item_id"),
        entries.c.round_id != round_id,  # this round: see _place
        entries.c.won_at.is_not(None)) if lockout else select(null())
    one = select(literal(1).label("one")).subquery("one")
    found = or_(entries.c.request_id == bindparam("request_id"),
                and_(entries.c.round_id == round_id, entries.c.person_slot == person))
    return (select(won.scalar_subquery().label("last_won"), entries)
            .select_from(one.outerjoin(entries, found)))


_LOOK, _LOOK_LOCKED = _look_statement(False), _look_statement(True)


def _last_won(person: str, config: RoundConfig) -> Any:
    return select(func.max(entries.c.won_at)).where(
        entries.c.person == person, entries.c.item_id == config.item_id,
        entries.c.round_id != config.id,  # this round: see _place
        entries.c.won_at.is_not(None))


def _named(key: bytes, req: EntryRequest, at: datetime) -> str:
    """The pseudonym of a valid document number; "" for anything else: it names nobody."""
    if document_problem(req.document_type, req.document_number, at.date()) is not None:
        return ""
    return person_of(key, req.document_type, req.document_number)


def _check(conn: Connection, key: bytes, config: RoundConfig, req: EntryRequest,
           now: datetime, seen: _Seen | None = None
           ) -> tuple[str, date | None, tuple[str, ...]]:
    if now < config.opens_at:
        raise _Refusal("not_open", f"entries open at {config.opens_at.isoformat()}")
    if now >= config.closes_at:
        raise _Refusal("closed", f"entries closed at {config.closes_at.isoformat()}")
    if req.document_type not in config.document_types:
        accepted = ", ".join(config.document_types)
        raise _Refusal("document_type", f"this round accepts: {accepted}")
    problem = document_problem(req.document_type, req.document_number, now.date())
    if problem:
        raise _Refusal("document_number", problem)
    born = birth_date(req.document_type, req.document_number, req.birth_date)
    person = person_of(key, req.document_type, req.document_number)
    if config.health_report_required and req.health is None:
        raise _Refusal("health_report_missing", "the health self-report is required")
    if req.health not in (None, "well"):
        raise _Refusal("health_declared", "with a fever, a cough or a recent contact, do not"
                       " go to the pharmacy: see a doctor or call your neighbourhood committee")
    if not _eligible(conn, config, req, person):
        raise _Refusal("not_eligible", _eligibility_words(config))
    choices = config.choices(req.slot, req.product_type, req.accept_either)
    if choices is None:
        raise _Refusal("slot", f"{req.slot} {req.product_type or ''}".strip()
                       + " is not on offer in this round")
    if config.lockout_days:
        won = seen.won if seen is not None else conn.execute(
            _last_won(person, config)).scalar()
        if won is not None:
            free = aware(won) + timedelta(days=config.lockout_days)
            if free > now:
                raise _Refusal("locked_out", f"a place was won on {aware(won).date()}; entries"
                               f" are open again from {free.date()}")
    return person, born, choices


def _eligible(conn: Connection, config: RoundConfig, req: EntryRequest, person: str) -> bool:
    rule = config.eligibility
    if rule.open_to_all:
        return True
    number = req.document_number.strip().upper()
    if (req.document_type is DocumentType.RESIDENT_ID
            and number.startswith(rule.residence_regions) and rule.residence_regions):
        return True
    return rule.social_security and conn.execute(
        select(insured.c.person).where(insured.c.person == person)).first() is not None


def _eligibility_words(config: RoundConfig) -> str:
    ways = []
    if config.eligibility.residence_regions:
        ways.append("local household registration (ID numbers starting "
                    + " or ".join(config.eligibility.residence_regions) + ")")
    if config.eligibility.social_security:
        ways.append("local social security")
    return "open to " + " or ".join(ways)


def _place(conn: Connection, signer: PickupSigner, describe: Describe, config: RoundConfig,
           req: EntryRequest, kiosk_id: str, person: str, born: date | None,
           choices: tuple[str, ...], now: datetime, at: datetime,
           seen: _Seen | None = None, one_write: bool = False) -> EntryOutcome:
    live = seen.live if seen is not None else conn.execute(
        select(entries).where(entries.c.round_id == config.id,
                              entries.c.person_slot == person)).first()
    if live is not None and live.status == "won":
        raise _Refusal("already_allocated", "do not submit twice: a place is already yours in"
                       f" this round ({live.reference})")
    if live is not None and (live.expires_at is None or aware(live.expires_at) > at):
        if tuple(live.choices) == choices:
            raise _Refusal("already_entered", "do not submit twice: your entry"
                           f" {live.reference} stands and nothing was changed")
        if live.kiosk_id != kiosk_id:
            # A document number proves nothing: only the kiosk that made the entry (or
            # staff, by withdrawing it) changes it (docs/security/access.md).
            raise _Refusal("other_kiosk", f"your entry {live.reference} was made at another"
                           " kiosk: change it there, or ask staff")
        if one_write:
            raise _NeedsTransaction
        # An edit replaces the entry's choices (Xiamen): same entry, same validity.
        conn.execute(update(entries).where(entries.c.pk == live.pk).values(choices=choices))
        _record(conn, config, req, kiosk_id, person, "updated", now, reference_of=live)
        return EntryOutcome(request_id=req.id, status="updated", reference=live.reference,
                            pseudonym=person, valid_until=_aware_or_none(live.expires_at))
    if one_write and (live is not None or config.mode == "lottery"):
        raise _NeedsTransaction
    if one_write:  # first come
        if _refused_sold_out(conn, config, req, kiosk_id, person, choices, now):
            raise _Refusal("sold_out", SOLD_OUT, recorded=True)
        raise _NeedsTransaction  # a place may be left: take it in a transaction
    if live is not None:  # expired: it gives way to this new entry
        conn.execute(update(entries).where(entries.c.pk == live.pk)
                     .values(status="expired", person_slot=f"expired:{live.request_id}"))
    if config.mode == "lottery":
        auto = (config.auto_entry_age is not None and born is not None
                and age_on(born, at.date()) >= config.auto_entry_age)
        expires = None if auto else at + timedelta(days=config.entry_validity_days)
        reference = _insert(conn, config, req, kiosk_id, person, "entered", now,
                            choices=choices, auto_entry=auto, expires_at=expires)
        return EntryOutcome(request_id=req.id, status="entered", reference=reference,
                            pseudonym=person, valid_until=expires)
    for slot in choices:
        taken = conn.execute(update(round_stock)
                             .where(round_stock.c.round_id == config.id,
                                    round_stock.c.slot == slot, round_stock.c.remaining > 0)
                             .values(remaining=round_stock.c.remaining - 1)).rowcount
        if taken:
            break
    else:
        raise _Refusal("sold_out", SOLD_OUT)
    reference = _insert(conn, config, req, kiosk_id, person, "won", now, choices=choices,
                        slot=slot, won_at=now)
    expires = now + timedelta(days=config.pickup_days)
    code = issue_for(conn, signer, describe, config, reference, slot, expires, now)
    return EntryOutcome(request_id=req.id, status="allocated", reference=reference,
                        pseudonym=person, slot=slot, pickup_code=code, valid_until=expires)


def issue_for(conn: Connection, signer: PickupSigner, describe: Describe, config: RoundConfig,
              reference: str, slot: str, expires: datetime, now: datetime) -> str:
    site, window = describe(slot)
    return issue(conn, signer, ref=reference, kind="reservation", item=config.item_id,
                 site=site, window=window, slot=slot, expires=expires, now=now)


def _insert(conn: Connection, config: RoundConfig, req: EntryRequest, kiosk_id: str,
            person: str, status: str, now: datetime, **values: Any) -> str:
    row = _row(config, req, kiosk_id, person, status, now, **values)
    conn.execute(entries.insert(), row)
    return str(row["reference"])


def _row(config: RoundConfig, req: EntryRequest, kiosk_id: str, person: str, status: str,
         now: datetime, **values: Any) -> dict[str, Any]:
    reference = f"R-{uuid.uuid4().hex[:12].upper()}"
    slot_key = person if status in ("entered", "won") else f"{status}:{req.id}"
    return {"request_id": req.id, "round_id": config.id, "item_id": config.item_id,
            "person": person, "reference": reference, "kiosk_id": kiosk_id,
            "document_type": str(req.document_type), "status": status, "created_at": now,
            "person_slot": slot_key, "choices": [], "auto_entry": False, **values}


def _refused_sold_out(conn: Connection, config: RoundConfig, req: EntryRequest,
                      kiosk_id: str, person: str, choices: tuple[str, ...], now: datetime
                      ) -> bool:
    """Record the refusal "sold_out" if no slot chosen has a place left, in one statement
    (the refusal ``_record`` would write); False: one had a place, nothing written."""
    row = _row(config, req, kiosk_id, person, "refused", now, reason="sold_out",
               detail=SOLD_OUT)
    left = select(round_stock.c.slot).where(round_stock.c.round_id == config.id,
                                            round_stock.c.slot.in_(choices),
                                            round_stock.c.remaining > 0)
    values = select(*(literal(value, entries.c[name].type).label(name)
                      for name, value in row.items())).where(~left.exists())
    return conn.execute(entries.insert().from_select(list(row), values)
                        .returning(entries.c.pk)).first() is not None


def _record(conn: Connection, config: RoundConfig, req: EntryRequest, kiosk_id: str,
            person: str, status: str, now: datetime, reference_of: Any = None,
            **values: Any) -> None:
    """A row for a request that made no entry of its own (refused, or an edit)."""
    _insert(conn, config, req, kiosk_id, person, status, now,
            **({"slot": reference_of.reference} if reference_of is not None else {}), **values)


def _aware_or_none(moment: datetime | None) -> datetime | None:
    return None if moment is None else aware(moment)


def _outcome(conn: Connection, row: Any, replayed: bool) -> EntryOutcome:
    base = {"request_id": row.request_id, "pseudonym": row.person, "replayed": replayed}
    if row.status == "refused":
        return EntryOutcome(status="refused", reason=row.reason, detail=row.detail, **base)
    if row.status == "updated":  # its "slot" holds the reference of the entry it changed
        return EntryOutcome(status="updated", reference=row.slot, **base)
    if row.status == "won" and row.won_at is not None and row.won_at == row.created_at:
        code = conn.execute(select(pickups.c.code, pickups.c.expires_at)
                            .where(pickups.c.ref == row.reference)).first()
        return EntryOutcome(status="allocated", reference=row.reference, slot=row.slot or "",
                            pickup_code=code.code if code else "",
                            valid_until=aware(code.expires_at) if code else None, **base)
    return EntryOutcome(status="entered", reference=row.reference,
                        valid_until=_aware_or_none(row.expires_at), **base)


def entries_of(engine: Engine, person: str, round_id: str | None = None,
               kiosk_id: str | None = None) -> list[EntryView]:
    """A person's entries, newest first: what result lookup by ID card shows. Refusals
    of entries made offline are among them (the person was told "to be confirmed");
    an online refusal was answered at the kiosk at once and is not. Asked by a kiosk
    (``kiosk_id``), an entry another kiosk made comes without its pickup code: the code
    is shown only where it was given, or to staff (docs/security/access.md)."""
    offline = offline_entries.c.request_id.is_not(None)
    query = (select(entries, pickups.c.code, pickups.c.expires_at.label("code_expires"),
                    pickups.c.redeemed_at, offline.label("made_offline"))
             .join(pickups, pickups.c.ref == entries.c.reference, isouter=True)
             .join(offline_entries, offline_entries.c.request_id == entries.c.request_id,
                   isouter=True)
             .where(entries.c.person == person,
                    or_(entries.c.status.in_(("entered", "won", "expired")),
                        and_(entries.c.status == "refused", offline))))
    if round_id is not None:
        query = query.where(entries.c.round_id == round_id)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(entries.c.pk.desc()).limit(20)).all()
    views = []
    for r in rows:
        status = ("collected" if r.redeemed_at is not None else r.status)
        views.append(EntryView(
            round_id=r.round_id, reference=r.reference, status=status, slot=r.slot or "",
            choices=list(r.choices),
            pickup_code=(r.code or "") if kiosk_id in (None, r.kiosk_id) else "",
            valid_until=_aware_or_none(r.code_expires if r.code else r.expires_at),
            reason=r.reason if r.status == "refused" else "",
            made_offline=bool(r.made_offline)))
    return views


def withdraw(engine: Engine, reference: str, reason: str, by: str,
             now: datetime, rounds: RoundCache | None = None) -> Withdrawal:
    """Staff withdraw a live entry (one planted in someone's name, or a mistake): it no
    longer holds the person's place in the round nor locks them out of the next; a won
    place's code stops working unless collected, and a first-come place goes back to
    the stock. Sent again, refused "not_live"."""
    with engine.begin() as conn:
        row = conn.execute(select(entries).where(entries.c.reference == reference)
                           .with_for_update()).first()
        if row is None:
            return Withdrawal(reference=reference, status="refused", reason="no_entry",
                              detail=f"no entry {reference}")
        if row.status not in ("entered", "won"):
            return Withdrawal(reference=reference, status="refused", reason="not_live",
                              detail=f"entry {reference} is {row.status}")
        returned = False
        if row.status == "won":
            # Conditional: a collection committed first leaves nothing to delete.
            gone = conn.execute(pickups.delete().where(pickups.c.ref == reference,
                                                       pickups.c.redeemed_at.is_(None))
                                ).rowcount
            if not gone and conn.execute(select(pickups.c.ref)
                                         .where(pickups.c.ref == reference)).first():
                return Withdrawal(reference=reference, status="refused", reason="collected",
                                  detail=f"the goods of entry {reference} were collected")
            config = load_round(conn, row.round_id, rounds)
            if config is not None and config.mode == "first_come" and row.slot:
                returned = bool(conn.execute(update(round_stock).where(
                    round_stock.c.round_id == row.round_id, round_stock.c.slot == row.slot)
                    .values(remaining=round_stock.c.remaining + 1)).rowcount)
        conn.execute(update(entries).where(entries.c.pk == row.pk).values(
            status="withdrawn", person_slot=f"withdrawn:{row.request_id}", won_at=None,
            reason=reason[:40], detail=f"withdrawn by {by}"[:200]))
    return Withdrawal(reference=reference, status="withdrawn", place_returned=returned)
