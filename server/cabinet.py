"""The kiosks' pickup cabinets (自助取件柜): staff at a kiosk load an approved case's goods
into a compartment, and the citizen collects them there with the pickup code or with the
ID card on that kiosk's reader.

Invariants: a case's goods wait in at most one compartment (``cabinet_slots`` keeps one
row per case, its last load) and a compartment holds at most one waiting case (the
unique ``occupies``); goods waiting in a kiosk's cabinet are redeemed at that kiosk
only (``server.pickups.redeem``), always through ``server.pickups.take``, so two kiosks
or requests can never both hand them out; every load, move, withdrawal and collection
is an event on the case's timeline.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from contracts.pickup_codes import read_unverified
from contracts.platform_api import (
    CabinetCollect,
    CabinetCollection,
    CabinetContents,
    CabinetLoad,
    CabinetLoadOutcome,
    CabinetSlot,
    CabinetUnload,
    CabinetUnloadOutcome,
    Redemption,
)
from server.cases import PICKUP_DAYS, add_event
from server.db import aware, cabinet_slots, cases, pickup_attempts, pickups
from server.persons import person_of
from server.pickups import issue, take
from server.signing import PickupSigner

WINDOW = "24 小时"  # what the code says of when: the cabinet opens at any hour
SHOWN_DAYS = 30  # a collected case stays in contents and in collect's answer this long
# Timeline reasons (the kiosk words them: screens/progress_words.py).
LOADED = "in_cabinet"
MOVED = "moved_in_cabinet"
WITHDRAWN = "withdrawn_from_cabinet:{why}"


def site_of(kiosk_id: str) -> str:
    """Where a cabinet code says to collect: the kiosk's cabinet (a code names no
    compartment, so moving the goods within the cabinet keeps the code valid)."""
    return f"自助取件柜 {kiosk_id}"


def _by(kiosk_id: str, staff: str) -> str:
    return (f"kiosk:{kiosk_id} staff:{staff}" if staff else f"kiosk:{kiosk_id}")[:80]


# -- load ---------------------------------------------------------------------------------
def load(engine: Engine, signer: PickupSigner, request: CabinetLoad, kiosk_id: str,
         now: datetime) -> CabinetLoadOutcome:
    """Make an approved case ready for pickup in ``kiosk_id``'s cabinet and issue its
    code; sent again, the same answer; another compartment, the goods moved there."""
    try:
        with engine.begin() as conn:
            return _load(conn, signer, request, kiosk_id, now)
    except IntegrityError:
        pass  # another load took the compartment (or this case) in the same instant
    with engine.begin() as conn:  # the second pass sees the load that won
        return _load(conn, signer, request, kiosk_id, now)


def _load(conn: Connection, signer: PickupSigner, request: CabinetLoad, kiosk_id: str,
          now: datetime) -> CabinetLoadOutcome:
    ref = request.reference
    case = conn.execute(select(cases.c.status, cases.c.item_id)
                        .where(cases.c.reference == ref).with_for_update()).first()
    if case is None:
        return _load_refused(ref, "no_case", f"no case {ref}")
    slot = conn.execute(select(cabinet_slots).where(cabinet_slots.c.reference == ref)).first()
    if case.status == "ready_for_pickup":
        return _load_again(conn, request, slot, kiosk_id, now)
    if case.status == "collected":
        return _load_refused(ref, "collected", f"case {ref} was collected already",
                             case.status)
    if case.status != "approved":
        return _load_refused(ref, "not_approved", f"case {ref} is {case.status}, not"
                             " approved", case.status)
    return _first_load(conn, signer, request, case.item_id, slot is not None, kiosk_id, now)


def _load_again(conn: Connection, request: CabinetLoad, slot: Any, kiosk_id: str,
                now: datetime) -> CabinetLoadOutcome:
    """A case ready for pickup: in this cabinet, the same answer (moved, when another
    compartment); anywhere else, refused."""
    ref, compartment = request.reference, request.compartment
    if slot is None or slot.occupies is None:
        return _load_refused(ref, "elsewhere", f"case {ref} is ready for pickup at a counter",
                             "ready_for_pickup")
    if slot.kiosk_id != kiosk_id:
        return _load_refused(ref, "elsewhere", f"case {ref} waits in kiosk {slot.kiosk_id}'s"
                             " cabinet", "ready_for_pickup")
    if slot.compartment != compartment:
        refused = _occupied(conn, kiosk_id, compartment, ref)
        if refused is not None:
            return refused
        conn.execute(update(cabinet_slots).where(cabinet_slots.c.reference == ref).values(
            compartment=compartment, occupies=f"{kiosk_id}/{compartment}"))
        add_event(conn, ref, "ready_for_pickup", MOVED, _by(kiosk_id, request.staff), now)
    return _ready(conn, ref, compartment)


def _first_load(conn: Connection, signer: PickupSigner, request: CabinetLoad, item_id: str,
                loaded_before: bool, kiosk_id: str, now: datetime) -> CabinetLoadOutcome:
    """An approved case into the compartment, if it is free: ready, its code issued."""
    ref, compartment = request.reference, request.compartment
    refused = _occupied(conn, kiosk_id, compartment, ref)
    if refused is not None:
        return refused
    by = _by(kiosk_id, request.staff)
    row = {"kiosk_id": kiosk_id, "compartment": compartment, "loaded_at": now,
           "occupies": f"{kiosk_id}/{compartment}", "loaded_by": by, "withdrawn_at": None}
    if loaded_before:  # and withdrawn since: this is its load now
        conn.execute(update(cabinet_slots).where(cabinet_slots.c.reference == ref).values(**row))
    else:
        conn.execute(cabinet_slots.insert().values(reference=ref, **row))
    add_event(conn, ref, "ready_for_pickup", LOADED, by, now)
    issue(conn, signer, ref=ref, kind="case", item=item_id, site=site_of(kiosk_id),
          window=WINDOW, slot=f"cabinet:{kiosk_id}", expires=now + timedelta(days=PICKUP_DAYS),
          now=now)
    return _ready(conn, ref, compartment)


def _occupied(conn: Connection, kiosk_id: str, compartment: str, ref: str
              ) -> CabinetLoadOutcome | None:
    other = conn.execute(select(cabinet_slots.c.reference).where(
        cabinet_slots.c.occupies == f"{kiosk_id}/{compartment}")).scalar()
    if other is None or other == ref:
        return None
    return _load_refused(ref, "occupied", f"compartment {compartment} holds case {other}:"
                         " unload it first")


def _ready(conn: Connection, ref: str, compartment: str) -> CabinetLoadOutcome:
    expires = conn.execute(select(pickups.c.expires_at).where(pickups.c.ref == ref)).scalar()
    return CabinetLoadOutcome(reference=ref, status="ready", case_status="ready_for_pickup",
                              compartment=compartment,
                              expires_at=None if expires is None else aware(expires))


def _load_refused(ref: str, reason: str, detail: str, case_status: str = ""
                  ) -> CabinetLoadOutcome:
    return CabinetLoadOutcome(reference=ref, status="refused", reason=reason, detail=detail,
                              case_status=case_status)


# -- unload -------------------------------------------------------------------------------
def unload(engine: Engine, request: CabinetUnload, kiosk_id: str,
           now: datetime) -> CabinetUnloadOutcome:
    """Staff took the goods back out: the code stops working (it is deleted; a redemption
    of it is refused "withdrawn") and the case is approved again. Sent again, the same
    answer."""
    ref = request.reference
    with engine.begin() as conn:
        status = conn.execute(select(cases.c.status).where(cases.c.reference == ref)
                              .with_for_update()).scalar()
        if status is None:
            return _unload_refused(ref, "no_case", f"no case {ref}")
        if status == "collected":
            return _unload_refused(ref, "collected", f"case {ref} was collected already")
        slot = conn.execute(select(cabinet_slots).where(cabinet_slots.c.reference == ref)
                            ).first()
        if slot is None or slot.kiosk_id != kiosk_id:
            return _unload_refused(ref, "not_in_this_cabinet",
                                   f"case {ref} is not in this kiosk's cabinet")
        if slot.occupies is None:
            if slot.withdrawn_at is not None and status == "approved":  # a lost answer
                return CabinetUnloadOutcome(reference=ref, status="withdrawn")
            return _unload_refused(ref, "not_in_this_cabinet",
                                   f"case {ref} is not in this kiosk's cabinet")
        # Conditional: a collection committed first leaves nothing to delete.
        gone = conn.execute(pickups.delete().where(pickups.c.ref == ref,
                                                   pickups.c.redeemed_at.is_(None))).rowcount
        if not gone:
            return _unload_refused(ref, "collected", f"case {ref} was collected already")
        conn.execute(update(cabinet_slots).where(cabinet_slots.c.reference == ref)
                     .values(occupies=None, withdrawn_at=now))
        add_event(conn, ref, "approved", WITHDRAWN.format(why=request.reason),
                  _by(kiosk_id, request.staff), now)
    return CabinetUnloadOutcome(reference=ref, status="withdrawn")


def _unload_refused(ref: str, reason: str, detail: str) -> CabinetUnloadOutcome:
    return CabinetUnloadOutcome(reference=ref, status="refused", reason=reason, detail=detail)


# -- collect with the ID card -------------------------------------------------------------
def collect(engine: Engine, key: bytes, request: CabinetCollect, kiosk_id: str,
            now: datetime) -> CabinetCollection:
    """Redeem every case of the card's holder waiting in this kiosk's cabinet; say when
    and by whom those collected from it in the last SHOWN_DAYS days were."""
    person = person_of(key, request.document_type, request.document_number)
    by = f"kiosk:{kiosk_id}"
    redemptions: list[Redemption] = []
    compartments: dict[str, str] = {}
    with engine.begin() as conn:
        for row in _of_person(conn, person, kiosk_id, now):
            answer = _collect_one(conn, row, by, now)
            if answer is not None:
                redemptions.append(answer)
                if answer.status == "redeemed":  # only these doors are to open
                    compartments[row.reference] = row.compartment
    return CabinetCollection(redemptions=redemptions, compartments=compartments)


def _of_person(conn: Connection, person: str, kiosk_id: str, now: datetime) -> list[Any]:
    query = (select(cabinet_slots.c.reference, cabinet_slots.c.compartment, pickups.c.code,
                    pickups.c.expires_at, pickups.c.redeemed_at)
             .join(cases, cases.c.reference == cabinet_slots.c.reference)
             .join(pickups, pickups.c.ref == cabinet_slots.c.reference)
             .where(cases.c.person == person, cabinet_slots.c.kiosk_id == kiosk_id,
                    cabinet_slots.c.withdrawn_at.is_(None),
                    or_(pickups.c.redeemed_at.is_(None),
                        pickups.c.redeemed_at >= now - timedelta(days=SHOWN_DAYS)))
             .order_by(cabinet_slots.c.loaded_at, cabinet_slots.c.reference))
    return list(conn.execute(query).all())


def _collect_one(conn: Connection, row: Any, by: str, now: datetime) -> Redemption | None:
    claims = read_unverified(row.code)  # the platform's own record of what it signed
    where = {"ref": row.reference, "item": claims.item if claims else "",
             "site": claims.site if claims else "", "window": claims.window if claims else ""}
    if row.redeemed_at is None and aware(row.expires_at) <= now:
        _attempt(conn, row.reference, by, now, "expired")
        return Redemption(status="refused", reason="expired", detail="the pickup code has"
                          " expired: ask staff", **where)
    if row.redeemed_at is None and take(conn, row.reference, row.code, now, by, "id_card"):
        return Redemption(status="redeemed", redeemed_at=now, redeemed_by=by, **where)
    done = conn.execute(select(pickups.c.redeemed_at, pickups.c.redeemed_by)
                        .where(pickups.c.ref == row.reference)).first()
    if done is None or done.redeemed_at is None:
        return None  # withdrawn in the meantime: nothing of theirs is here
    when = aware(done.redeemed_at)
    _attempt(conn, row.reference, by, now, "already_redeemed")
    return Redemption(status="refused", reason="already_redeemed",
                      detail=f"already collected at {when.isoformat()} ({done.redeemed_by})",
                      redeemed_at=when, redeemed_by=done.redeemed_by or "", **where)


def _attempt(conn: Connection, ref: str, by: str, at: datetime, reason: str) -> None:
    conn.execute(pickup_attempts.insert().values(ref=ref, by=by, at=at, outcome="refused",
                                                 reason=reason))


# -- contents -----------------------------------------------------------------------------
def contents(engine: Engine, kiosk_id: str, now: datetime) -> CabinetContents:
    """The kiosk's cabinet as the platform sees it: what waits, and what was collected in
    the last SHOWN_DAYS days, by compartment."""
    query = (select(cabinet_slots.c.reference, cabinet_slots.c.compartment,
                    cabinet_slots.c.loaded_at, pickups.c.redeemed_at, pickups.c.redeemed_by)
             .join(pickups, pickups.c.ref == cabinet_slots.c.reference)
             .where(cabinet_slots.c.kiosk_id == kiosk_id, cabinet_slots.c.withdrawn_at.is_(None),
                    or_(pickups.c.redeemed_at.is_(None),
                        pickups.c.redeemed_at >= now - timedelta(days=SHOWN_DAYS)))
             .order_by(cabinet_slots.c.compartment, cabinet_slots.c.loaded_at))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return CabinetContents(slots=[_slot(r) for r in rows], as_of=now)


def _slot(row: Any) -> CabinetSlot:
    if row.redeemed_at is None:
        return CabinetSlot(reference=row.reference, compartment=row.compartment,
                           status="ready", loaded_at=aware(row.loaded_at))
    return CabinetSlot(reference=row.reference, compartment=row.compartment,
                       status="collected", loaded_at=aware(row.loaded_at),
                       collected_at=aware(row.redeemed_at), collected_by=row.redeemed_by or "")


def waiting(engine: Engine, references: list[str]) -> dict[str, str]:
    """Of these cases, those whose goods wait in a cabinet: ref -> "kiosk/compartment"."""
    if not references:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(select(cabinet_slots.c.reference, cabinet_slots.c.occupies).where(
            cabinet_slots.c.reference.in_(references), cabinet_slots.c.occupies.is_not(None)))
        return {r.reference: r.occupies for r in rows}
