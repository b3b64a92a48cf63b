"""What a kiosk did while the platform was unreachable, applied when it arrives.

An entry made offline is judged by the round's rules as of when it was made at the
kiosk: its stamp corrected by the kiosk's measured drift, and bounded to
[receipt - MAX_OFFLINE_AGE, receipt], so a wrong kiosk clock can neither move an entry
into the future nor far into the past. Its outcome (a refusal by a round rule
included) is recorded for reservation lookup; a rule's refusal is the entry's answer,
not a refusal of the transaction.

A redemption made offline is history: the goods are gone. It is recorded; a code
collected already, or one the platform never issued, becomes a flag for staff.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from contracts.errors import CodeError
from contracts.pickup_codes import verify_pickup_code
from contracts.platform_api import PickupFlag
from contracts.wire import RedemptionPayload, ReservationPayload, Transaction
from server.db import (
    aware,
    entries,
    offline_entries,
    pickup_attempts,
    pickup_flags,
    pickups,
)
from server.pickups import take
from server.reservations import Describe, enter_in
from server.rounds import load_round
from server.sealing import PayloadCipher
from server.signing import PickupSigner

log = logging.getLogger(__package__)

# The oldest an offline stamp may claim to be: a kiosk out of reach longer than this
# has its entries judged as of this long before receipt.
MAX_OFFLINE_AGE = timedelta(hours=72)


def as_of(made_at: datetime, clock_offset_s: float, received: datetime,
          max_age: timedelta = MAX_OFFLINE_AGE) -> datetime:
    """The platform-clock moment a kiosk stamp stands for, bounded. A stamp without
    a zone is read as UTC (kiosks send aware stamps; this only keeps it total)."""
    stamp = made_at if made_at.tzinfo else made_at.replace(tzinfo=UTC)
    corrected = stamp - timedelta(seconds=clock_offset_s)
    return min(max(corrected, received - max_age), received).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Reconciler:
    """Applies the offline kinds inside the ingest's transaction."""

    key: bytes
    cipher: PayloadCipher  # opens round keys (server.keyring)
    signer: PickupSigner
    describe: Describe
    max_age: timedelta = MAX_OFFLINE_AGE

    def reservation(self, conn: Connection, tx: Transaction, payload: ReservationPayload,
                    now: datetime) -> str:
        """Enter the queued entry; the item result's reason: its outcome in short."""
        at = as_of(payload.made_at, payload.clock_offset_s, now, self.max_age)
        outcome = enter_in(conn, self.key, self.cipher, self.signer, self.describe,
                           payload.entry, tx.kiosk_id, now, rules_at=at)
        if not outcome.replayed:  # the same entry sent online first stays an online one
            conn.execute(offline_entries.insert().values(
                request_id=payload.entry.id, transaction_id=tx.id, kiosk_id=tx.kiosk_id,
                made_at=payload.made_at if payload.made_at.tzinfo
                else payload.made_at.replace(tzinfo=UTC),
                as_of=at, received_at=now))
        if outcome.status == "refused":
            return f"refused:{outcome.reason}"
        return outcome.status

    def redemption(self, conn: Connection, tx: Transaction, payload: RedemptionPayload,
                   now: datetime) -> str:
        """Record the hand-over; flag it when it cannot stand on its own."""
        at = as_of(payload.redeemed_at, payload.clock_offset_s, now, self.max_age)
        by = f"kiosk:{tx.kiosk_id} offline"
        code = payload.code.strip()
        try:
            claims = verify_pickup_code(code, {self.signer.kid: self.signer.public_key}, at)
        except CodeError as exc:
            reason = exc.key.removeprefix("qr.").removesuffix("_code")
            reason = "damaged" if reason == "unknown" else reason
            return self._flag(conn, tx, "-", at, now, by, reason,
                              f"handed over offline on a code that is {reason}")
        if take(conn, claims.ref, code, at, by, "offline"):
            if not _offline_allowed(conn, claims.ref):
                # Recorded all the same (the goods are gone); staff see the kiosk erred.
                return self._flag(conn, tx, claims.ref, at, now, by, "offline_not_allowed",
                                  "handed over offline, which this code's round does not"
                                  " allow (only a round with offline_redemption does)",
                                  log_attempt=False)
            return "redeemed"
        first = conn.execute(select(pickups.c.redeemed_at, pickups.c.redeemed_by,
                                    pickups.c.code).where(pickups.c.ref == claims.ref)).first()
        if first is None or first.code != code:
            return self._flag(conn, tx, claims.ref, at, now, by, "not_issued",
                              "handed over offline on a code the platform did not issue")
        detail = (f"collected twice: first at {aware(first.redeemed_at).isoformat()}"
                  f" ({first.redeemed_by}), again offline at {at.isoformat()}"
                  f" (kiosk {tx.kiosk_id})")
        return self._flag(conn, tx, claims.ref, at, now, by, "already_redeemed", detail)

    def _flag(self, conn: Connection, tx: Transaction, ref: str, at: datetime,
              now: datetime, by: str, reason: str, detail: str, log_attempt: bool = True
              ) -> str:
        conn.execute(pickup_flags.insert().values(
            transaction_id=tx.id, ref=ref, kiosk_id=tx.kiosk_id, redeemed_at=at,
            received_at=now, reason=reason, detail=detail))
        if log_attempt:  # else the attempt is in the log already, as the redemption
            conn.execute(pickup_attempts.insert().values(ref=ref, by=by, at=at,
                                                         outcome="flagged", reason=reason))
        log.warning("offline redemption flagged for staff: ref %s from kiosk %s (%s)", ref,
                    tx.kiosk_id, reason)
        return f"flagged:{reason}"


def _offline_allowed(conn: Connection, ref: str) -> bool:
    """Whether the round that issued this code lets a kiosk hand over offline (a case's
    code: no round allows it)."""
    round_id = conn.execute(select(entries.c.round_id).where(entries.c.reference == ref)
                            ).scalar()
    config = None if round_id is None else load_round(conn, round_id)
    return config is not None and config.offline_redemption


def flags(engine: Engine, limit: int = 200) -> list[PickupFlag]:
    """Offline redemptions to reconcile, newest first."""
    with engine.connect() as conn:
        rows = conn.execute(select(pickup_flags).order_by(pickup_flags.c.pk.desc())
                            .limit(limit)).all()
    return [PickupFlag(ref=r.ref, kiosk_id=r.kiosk_id, redeemed_at=aware(r.redeemed_at),
                       received_at=aware(r.received_at), reason=r.reason, detail=r.detail)
            for r in rows]
