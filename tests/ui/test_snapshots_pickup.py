"""SVG snapshots of journeys C and D at 120x40, in Chinese, in English and in elder mode:
a code collected, a second showing, a code offline that the kiosk cannot confirm or
cannot check, a case's timeline, a card's cases and the last known state offline.

The platform's answers are fixed here (a stub in place of the client), so no real time
reaches the picture; tests/ui/test_pickup_journey.py and test_progress_journey.py walk
the same screens against the real platform. Review the report
(`pytest tests/ui/test_snapshots_pickup.py`) before `--snapshot-update`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from textual.pilot import Pilot
from textual.widgets import Input

from contracts.clock import FakeClock
from contracts.pickup_codes import sign_pickup_code
from contracts.platform_api import CaseEvent, CaseView, DocumentType, Redemption
from offline_cache.platform_client import PlatformUnavailable
from screens.app import KioskApp
from tests.support.cases import SITE, WINDOW, cache_rounds, mask_code, round_for
from tests.support.kiosk_driver import mock_camera, mock_reader, until
from tests.support.snapshots import MODES, Steps, steps_in_mode, to_lookup, to_pickup
from wiring.assembly import Assembly

AT = datetime(2026, 11, 20, 1, 15, tzinfo=UTC)  # 09:15 in Shanghai; shown as the kiosk's zone
REFERENCE = "XH-CCB-0001-000007"
OUTSIDER = Ed25519PrivateKey.generate()  # signs codes whose key the kiosk lacks


def timeline(reference: str, item_id: str, *steps: tuple[str, str],
             days_ago: int = 0) -> CaseView:
    start = AT - timedelta(days=days_ago)
    events = [CaseEvent(status=s, reason=r, at=start + timedelta(days=n))
              for n, (s, r) in enumerate(steps)]
    return CaseView(reference=reference, item_id=item_id, status=steps[-1][0],
                    received_at=start, timeline=events, rated=False)


READY = timeline(REFERENCE, "marriage-record-proof", ("received", ""), ("reviewing", ""),
                 ("approved", ""), ("ready_for_pickup", ""))
CARD_CASES = [
    READY,
    timeline("XH-CCB-0001-000003", "social-security-card-loss", ("received", ""),
             ("refused", "缺少户籍证明"), days_ago=5),
    timeline("XH-CCB-0002-000011", "pension-qualification-certification", ("received", ""),
             ("approved", ""), days_ago=9),
]


@dataclass
class FixedPlatform:
    """The platform's online endpoints with fixed answers; None: unreachable."""

    redemption: Redemption | None = None
    views: list[CaseView] | None = None
    code: str = ""  # the pickup code a ready case carries
    asked: list[str] = field(default_factory=list)

    def redeem(self, text: str) -> Redemption:
        if self.redemption is None:
            raise PlatformUnavailable("unreachable")
        return self.redemption

    def cases(self, reference: str | None = None,
              document: tuple[DocumentType, str] | None = None) -> list[CaseView]:
        if self.views is None:
            raise PlatformUnavailable("unreachable")
        return [v.model_copy(update={"pickup_code": self.code})
                if v.status == "ready_for_pickup" else v for v in self.views]


def case_code() -> str:
    return sign_pickup_code(OUTSIDER, "k9", ref=REFERENCE, item="marriage-record-proof",
                            site=SITE, window=WINDOW, expires=AT + timedelta(days=30))


def use(assembly: Assembly, platform: FixedPlatform) -> None:
    assembly.api.platform = platform  # type: ignore[assignment]


async def _hold_up(pilot: Pilot[None], assembly: Assembly, text: str) -> None:
    await to_pickup(pilot, assembly, assembly.api.clock)  # type: ignore[arg-type]
    mock_camera(assembly).show(text)
    # Every answer says what to do next: it is there once the answer is.
    await until(lambda: bool(str(pilot.app.screen.query_one("#pickup-next").render())))


async def _collected(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    code = case_code()
    use(assembly, FixedPlatform(Redemption(
        status="redeemed", ref=REFERENCE, item="marriage-record-proof", site=SITE,
        window=WINDOW, redeemed_at=AT, redeemed_by=f"kiosk:{assembly.config.kiosk.id}")))
    await _hold_up(pilot, assembly, code)


async def _already_collected(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    use(assembly, FixedPlatform(Redemption(
        status="refused", ref=REFERENCE, reason="already_redeemed", redeemed_at=AT,
        redeemed_by="kiosk:XH-CCB-0002")))
    await _hold_up(pilot, assembly, case_code())


async def _cannot_confirm(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    use(assembly, FixedPlatform())
    cache_rounds(assembly, round_for("mask-reservation", False, clock.now()))
    await _hold_up(pilot, assembly, mask_code(assembly, "R-5NAP5H0T0001", clock.now()))


async def _cannot_check(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    use(assembly, FixedPlatform())
    await _hold_up(pilot, assembly, case_code())


async def _search(pilot: Pilot[None], assembly: Assembly, reference: str) -> None:
    await to_lookup(pilot, assembly, assembly.api.clock)  # type: ignore[arg-type]
    pilot.app.screen.query_one("#reference", Input).value = reference
    await pilot.click("#search")
    await until(lambda: bool(pilot.app.screen.query_one("#lookup-result").display))


async def _timeline(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    use(assembly, FixedPlatform(views=[READY], code=case_code()))
    await _search(pilot, assembly, REFERENCE)


async def _by_card(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    use(assembly, FixedPlatform(views=CARD_CASES, code=case_code()))
    await to_lookup(pilot, assembly, clock)
    mock_reader(assembly).place(0)
    await until(lambda: bool(pilot.app.screen.query_one("#lookup-result").display))


async def _last_known(pilot: Pilot[None], assembly: Assembly, clock: FakeClock) -> None:
    platform = FixedPlatform(views=[READY], code=case_code())
    use(assembly, platform)
    assembly.api.progress_by_reference(REFERENCE)  # heard once from the platform: cached
    platform.views = None  # the link goes down
    await _search(pilot, assembly, REFERENCE)


SCREENS: dict[str, Steps] = {
    "pickup_collected": _collected, "pickup_already_collected": _already_collected,
    "pickup_cannot_confirm": _cannot_confirm, "pickup_cannot_check": _cannot_check,
    "lookup_timeline": _timeline, "lookup_by_card": _by_card, "lookup_last_known": _last_known,
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(screen: str, mode: str, assembly: Assembly, clock: FakeClock,
                snap_compare) -> None:
    """As tests/ui/test_snapshots.py's ``test_screen``, over these screens."""
    app = KioskApp(assembly.api, sync_in_background=False)
    run_before = steps_in_mode(app, mode, SCREENS[screen], assembly, clock)
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
