"""Pickup codes for demos and field tests: a genuine one the embedded platform issued
(recorded, so it redeems once and then says where it went), and the three kinds the
kiosk must refuse (altered, forged, expired)."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.engine import Engine

from contracts.pickup_codes import PREFIX, sign_pickup_code
from server.db import aware, pickups
from server.pickups import issue
from server.signing import PickupSigner

DEMO_CLAIMS = {"ref": "R-DE0000000042", "item": "mask-reservation",
               "site": "徐汇区漕溪北路88号 益丰大药房", "window": "09:00-11:00"}


def genuine_demo_code(engine: Engine, signer: PickupSigner, now: datetime) -> str:
    """The demo pickup, issued once and kept until it expires (then issued afresh): the
    first showing collects it, the next says when and where it was collected."""
    day = (now + timedelta(days=1)).strftime("%Y-%m-%d")
    with engine.begin() as conn:
        row = conn.execute(select(pickups.c.code, pickups.c.expires_at)
                           .where(pickups.c.ref == DEMO_CLAIMS["ref"])).first()
        if row is not None and aware(row.expires_at) > now:
            return str(row.code)
        if row is not None:
            conn.execute(pickups.delete().where(pickups.c.ref == DEMO_CLAIMS["ref"]))
        return issue(conn, signer, ref=DEMO_CLAIMS["ref"], kind="reservation",
                     item=DEMO_CLAIMS["item"], site=DEMO_CLAIMS["site"],
                     window=f"{day} {DEMO_CLAIMS['window']}", slot="demo",
                     expires=now + timedelta(days=3), now=now)


def demo_pickup_codes(signer: PickupSigner, now: datetime, genuine: str) -> dict[str, str]:
    day = (now + timedelta(days=1)).strftime("%Y-%m-%d")
    claims = {**DEMO_CLAIMS, "window": f"{day} {DEMO_CLAIMS['window']}"}
    signed, _, signature = genuine.rpartition(".")
    body = json.loads(base64.urlsafe_b64decode(signed.removeprefix(PREFIX) + "=="))
    body["site"] = "别处药房"  # changed after signing
    altered_body = base64.urlsafe_b64encode(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()).decode().rstrip("=")
    return {
        "genuine": genuine,
        "altered": f"{PREFIX}{altered_body}.{signature}",
        "forged": sign_pickup_code(Ed25519PrivateKey.generate(), "someone-else", **claims,
                                   expires=now + timedelta(days=3)),
        "expired": signer.issue(**claims, expires=now - timedelta(hours=1)),
    }
