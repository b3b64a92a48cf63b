"""Journeys C and D against the embedded platform: staff moving a case on, a pickup code
issued by the platform, rounds in the kiosk's reference cache, and the link cut."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from contracts.pickup_codes import read_unverified
from contracts.platform_api import CaseView, RoundConfig
from contracts.reference_data import ROUNDS
from server.embedded import EmbeddedPlatform
from tests.support.platform_access import bearer
from wiring.assembly import Assembly

STAFF_ID = "desk-1"
SITE = "徐汇区漕溪北路88号 办事窗口"
WINDOW = "工作日 9:00-17:00"


def embedded(assembly: Assembly) -> EmbeddedPlatform:
    platform = assembly.connection.embedded
    assert platform is not None, "the test config runs the demo platform in-process"
    return platform


def staff_token(assembly: Assembly) -> str:
    return embedded(assembly).enrol("staff", STAFF_ID)


def staff_move(assembly: Assembly, token: str, reference: str, status: str,
               **extra: str) -> httpx.Response:
    """Staff move a case on with the platform's staff endpoint (the raw answer)."""
    return httpx.post(f"{embedded(assembly).url}/api/v1/staff/cases/{reference}/status",
                      json={"status": status, **extra}, headers=bearer(token), timeout=10)


def move_case(assembly: Assembly, token: str, reference: str, status: str,
              **extra: str) -> CaseView:
    answer = staff_move(assembly, token, reference, status, **extra)
    answer.raise_for_status()
    return CaseView.model_validate(answer.json())


def make_ready(assembly: Assembly, token: str, reference: str) -> str:
    """Approve the case if the kiosk did not, then ready for pickup: its pickup code."""
    approved = staff_move(assembly, token, reference, "approved")
    assert approved.status_code in (200, 409), approved.text  # 409: the kiosk approved it
    view = move_case(assembly, token, reference, "ready_for_pickup", site=SITE, window=WINDOW)
    assert view.pickup_code
    return view.pickup_code


def redeem_as_staff(assembly: Assembly, token: str, code: str) -> dict[str, Any]:
    answer = httpx.post(f"{embedded(assembly).url}/api/v1/pickups/redeem", json={"code": code},
                        headers=bearer(token), timeout=10)
    answer.raise_for_status()
    result: dict[str, Any] = answer.json()
    return result


def pickup_attempts(assembly: Assembly, token: str, code: str) -> list[dict[str, Any]]:
    """The platform's log of every attempt to redeem this code (staff's view)."""
    claims = read_unverified(code)
    assert claims is not None
    answer = httpx.get(f"{embedded(assembly).url}/api/v1/staff/pickups/{claims.ref}/attempts",
                       headers=bearer(token), timeout=10)
    answer.raise_for_status()
    attempts: list[dict[str, Any]] = answer.json()["attempts"]
    return attempts


def round_for(item_id: str, offline_redemption: bool, now: datetime,
              round_id: str = "test-round") -> RoundConfig:
    return RoundConfig(id=round_id, item_id=item_id, mode="first_come",
                       opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=9),
                       quotas={"sm-01/am": 10}, offline_redemption=offline_redemption)


def cache_rounds(assembly: Assembly, *rounds: RoundConfig) -> None:
    """The rounds as if the platform had listed them at the last sync."""
    body = {"rounds": [r.model_dump(mode="json") for r in rounds]}
    assembly.store.references.put(ROUNDS, body)
    assembly.api.apply_reference()


def mask_code(assembly: Assembly, ref: str, now: datetime) -> str:
    """A genuine pickup code for a mask place, signed with the platform's key."""
    return embedded(assembly).signer.issue(ref=ref, item="mask-reservation",
                                           site="徐汇区漕溪北路88号 益丰大药房",
                                           window="11-24 09:00-11:00",
                                           expires=now + timedelta(days=2))


def cut_link(assembly: Assembly) -> None:
    """The platform stops answering (connection refused): the kiosk is offline."""
    embedded(assembly).stop()


async def show_again(assembly: Assembly, code: str) -> None:
    """Take a code away until the camera has seen it leave, then hold it up again (a code
    held up is reported once: devices/qr/camera.py)."""
    from devices.qr.camera import CameraScanner
    from tests.support.kiosk_driver import mock_camera, until

    scanner = assembly.hub.qr
    assert isinstance(scanner, CameraScanner)
    mock_camera(assembly).take_away()
    await until(lambda: code not in scanner._in_view)  # its "left the view"
    mock_camera(assembly).show(code)
