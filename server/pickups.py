"""Pickup codes: issued signed (Ed25519) and expiring, redeemed once.

Redemption is one conditional UPDATE (``redeemed_at IS NULL``), so two kiosks
scanning the same code at the same moment cannot both hand out the goods.
Every attempt is written to ``pickup_attempts``, refusals included, for staff.
Goods waiting in a kiosk's pickup cabinet (server.cabinet) are redeemed at that kiosk
only: anyone else is refused "elsewhere" and nothing is taken.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from contracts.errors import CodeError
from contracts.pickup_codes import verify_pickup_code
from contracts.platform_api import Attempt, Redemption
from server.cases import add_event
from server.db import aware, cabinet_slots, cases, pickup_attempts, pickups
from server.signing import PickupSigner


def issue(conn: Connection, signer: PickupSigner, *, ref: str, kind: str, item: str, site: str,
          window: str, slot: str, expires: datetime, now: datetime) -> str:
    """Sign a code and record it, inside the caller's transaction."""
    code = signer.issue(ref=ref, item=item, site=site, window=window, expires=expires)
    conn.execute(pickups.insert().values(ref=ref, kind=kind, code=code, slot=slot,
                                         issued_at=now, expires_at=expires))
    return code


def take(conn: Connection, ref: str, code: str, at: datetime, by: str,
         note: str = "") -> bool:
    """Mark an issued code redeemed, once: the attempt is logged, a case's timeline says
    collected, and a cabinet compartment it waited in is free again. False: it was
    redeemed before (or never issued as this code)."""
    taken = conn.execute(
        update(pickups).where(pickups.c.ref == ref, pickups.c.code == code,
                              pickups.c.redeemed_at.is_(None))
        .values(redeemed_at=at, redeemed_by=by)).rowcount
    if not taken:
        return False
    conn.execute(pickup_attempts.insert().values(ref=ref, by=by, at=at, outcome="redeemed",
                                                 reason=note))
    kind = conn.execute(select(pickups.c.kind).where(pickups.c.ref == ref)).scalar()
    if kind == "case" and conn.execute(
            select(cases.c.reference).where(cases.c.reference == ref)).first():
        freed = conn.execute(update(cabinet_slots).where(
            cabinet_slots.c.reference == ref, cabinet_slots.c.occupies.is_not(None))
            .values(occupies=None)).rowcount
        add_event(conn, ref, "collected", "from_cabinet" if freed else "", by, at)
    return True


def redeem(engine: Engine, signer: PickupSigner, code: str, by: str, now: datetime,
           kiosk_id: str | None = None) -> Redemption:
    """Redeem a code shown to ``by`` (at ``kiosk_id``, or a counter when None)."""
    try:
        claims = verify_pickup_code(code, {signer.kid: signer.public_key}, now)
    except CodeError as exc:
        reason = exc.key.removeprefix("qr.").removesuffix("_code")
        reason = "damaged" if reason == "unknown" else reason
        return _refused(engine, "", by, now, reason, f"the code is {reason}")
    with engine.begin() as conn:
        cabinet = waiting_in(conn, claims.ref)
        if cabinet is not None and cabinet != kiosk_id:
            where = f"kiosk {cabinet}'s pickup cabinet"
            _log_refusal(conn, claims.ref, by, now, "elsewhere")
            return Redemption(status="refused", ref=claims.ref, reason="elsewhere",
                              detail=f"the goods wait in {where}: collect them there",
                              item=claims.item, site=claims.site, window=claims.window)
        if take(conn, claims.ref, code, now, by):
            return Redemption(status="redeemed", ref=claims.ref, item=claims.item,
                              site=claims.site, window=claims.window, redeemed_at=now,
                              redeemed_by=by)
        row = conn.execute(select(pickups.c.redeemed_at, pickups.c.redeemed_by,
                                  pickups.c.code).where(pickups.c.ref == claims.ref)).first()
    if (row is None or row.code != code) and _withdrawn(engine, claims.ref):
        return _refused(engine, claims.ref, by, now, "withdrawn",
                        "the goods were taken back out of the pickup cabinet: ask staff")
    if row is None or row.code != code:
        return _refused(engine, claims.ref, by, now, "not_issued",
                        "the platform has no record of issuing this code")
    when = aware(row.redeemed_at)
    return _refused(engine, claims.ref, by, now, "already_redeemed",
                    f"already collected at {when.isoformat()} ({row.redeemed_by})",
                    redeemed_at=when, redeemed_by=row.redeemed_by)


def waiting_in(conn: Connection, ref: str) -> str | None:
    """The kiosk whose cabinet holds this case's goods now; None: no cabinet does."""
    return conn.execute(select(cabinet_slots.c.kiosk_id).where(
        cabinet_slots.c.reference == ref, cabinet_slots.c.occupies.is_not(None))).scalar()


def _withdrawn(engine: Engine, ref: str) -> bool:
    """Were this case's goods taken back out of a cabinet (its code deleted then)?"""
    with engine.connect() as conn:
        return conn.execute(select(cabinet_slots.c.withdrawn_at).where(
            cabinet_slots.c.reference == ref)).scalar() is not None


def _log_refusal(conn: Connection, ref: str, by: str, now: datetime, reason: str) -> None:
    conn.execute(pickup_attempts.insert().values(ref=ref or "-", by=by, at=now,
                                                 outcome="refused", reason=reason))


def _refused(engine: Engine, ref: str, by: str, now: datetime, reason: str, detail: str,
             **extra: object) -> Redemption:
    with engine.begin() as conn:
        _log_refusal(conn, ref, by, now, reason)
    return Redemption(status="refused", ref=ref, reason=reason, detail=detail,
                      **extra)


def attempts(engine: Engine, ref: str) -> list[Attempt]:
    with engine.connect() as conn:
        rows = conn.execute(select(pickup_attempts).where(pickup_attempts.c.ref == ref)
                            .order_by(pickup_attempts.c.pk)).all()
    return [Attempt(by=r.by, at=aware(r.at), outcome=r.outcome, reason=r.reason) for r in rows]
