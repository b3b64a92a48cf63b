"""Pickup codes for demos and field tests: a genuine one from the embedded platform's
key, and the three kinds the kiosk must refuse (altered, forged, expired)."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from contracts.pickup_codes import PREFIX, sign_pickup_code
from server.signing import PickupSigner

DEMO_CLAIMS = {"ref": "XH-CCB-0001-000042", "item": "mask-reservation",
               "site": "徐汇区漕溪北路88号 益丰大药房", "window": "09:00-11:00"}


def demo_pickup_codes(signer: PickupSigner, now: datetime) -> dict[str, str]:
    day = (now + timedelta(days=1)).strftime("%Y-%m-%d")
    claims = {**DEMO_CLAIMS, "window": f"{day} {DEMO_CLAIMS['window']}"}
    genuine = signer.issue(**claims, expires=now + timedelta(days=3))
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
