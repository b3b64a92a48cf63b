"""Reservation rounds for kiosk tests: made on the embedded platform, listed to the kiosk,
and the journey driven through the real screens."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from textual.pilot import Pilot
from textual.widgets import Button

from contracts.platform_api import RoundConfig
from screens.app import KioskApp
from screens.home import HomeScreen
from screens.reserve import ReserveChoiceScreen, ReserveIdentifyScreen, ReserveResultScreen
from screens.reserve_mine import MyReservationIdentifyScreen, MyReservationScreen
from server.rounds import create_round
from tests.support.kiosk_driver import mock_reader, on_screen, screen_text, tap, until
from wiring.assembly import Assembly

# Open by the fake clock (2026-11-23) and by the platform's real one; fixed, so screens
# that show them are the same in every run.
OPENS = datetime(2026, 1, 1, tzinfo=UTC)
CLOSES = datetime(2030, 6, 30, 14, 0, tzinfo=UTC)
DRAW = datetime(2026, 12, 31, 9, 0, tzinfo=UTC)


def make_round(round_id: str, mode: str, **overrides: Any) -> RoundConfig:
    values: dict[str, Any] = {
        "id": round_id, "mode": mode, "opens_at": OPENS, "closes_at": CLOSES,
        "quotas": {"sm-01/am": 5, "sm-01/pm": 5, "hl-01/am": 5, "jm-01/all": 5},
        "draw_times": (DRAW,) if mode == "lottery" else (),
        "document_types": ("resident_id", "hmt_residence_permit", "foreign_permanent"),
    }
    values.update(overrides)
    return RoundConfig.model_validate(values)


def open_rounds(assembly: Assembly, *configs: RoundConfig) -> None:
    """Create the rounds on the embedded platform; the kiosk lists them (one sync pass)."""
    embedded = assembly.connection.embedded
    assert embedded is not None, "the config does not embed the platform"
    for config in configs:
        create_round(embedded.engine, config, datetime.now(UTC))
    assembly.api.sync_once()
    assembly.api.apply_reference()
    listed = {r.id for r in assembly.api.rounds}
    assert {c.id for c in configs} <= listed, listed


async def identify_for_round(pilot: Pilot[None], assembly: Assembly, round_id: str,
                             card: int) -> None:
    """From home: the round's button, then a demo card on the reader."""
    app = cast(KioskApp, pilot.app)
    await on_screen(pilot, HomeScreen)
    await tap(pilot, f"#round-{round_id}")
    await on_screen(pilot, ReserveIdentifyScreen)
    mock_reader(assembly).place(card)
    await until(lambda: bool(app.screen.query_one("#identified").display))


def _options(pilot: Pilot[None], label: str) -> list[Button]:
    return [b for b in pilot.app.screen.query(".option").results(Button)
            if str(b.label).startswith(label)]


async def choose(pilot: Pilot[None], *labels: str) -> None:
    """Tap, one step at a time, the option whose label starts with each text."""
    for label in labels:
        await until(lambda label=label: bool(_options(pilot, label)))  # type: ignore[misc]
        button = _options(pilot, label)[0]
        await tap(pilot, f"#{button.id}")
        await until(lambda button=button: button not in  # type: ignore[misc]
                    list(pilot.app.screen.query(".option")))


async def reserve(pilot: Pilot[None], assembly: Assembly, round_id: str, card: int,
                  *labels: str) -> ReserveResultScreen:
    """The whole journey: identify with a card, the choices, submit; the result screen."""
    await identify_for_round(pilot, assembly, round_id, card)
    await tap(pilot, "#continue")
    await on_screen(pilot, ReserveChoiceScreen)
    await choose(pilot, *labels)
    await until(lambda: bool(pilot.app.screen.query("#submit")))
    await tap(pilot, "#submit")
    # The platform's answer (or the kiosk's 5 s deadline, then the outbox) on a machine
    # a parallel test run keeps busy.
    await on_screen(pilot, ReserveResultScreen, timeout=30)
    return cast(ReserveResultScreen, pilot.app.screen)


async def take_card_and_go_home(pilot: Pilot[None], assembly: Assembly) -> None:
    """The person takes the card (the reminder goes), then taps home."""
    mock_reader(assembly).remove()
    await until(lambda: not any(w.display for w in pilot.app.screen.query("#card-reminder")))
    await tap(pilot, "#home")
    await on_screen(pilot, HomeScreen)


async def my_reservation(pilot: Pilot[None], assembly: Assembly, card: int) -> None:
    """From home: 我的预约, a demo card on the reader, continue: the person's entries
    (or the words for an offline kiosk) are on the screen."""
    await tap(pilot, "#my-reservation")
    await on_screen(pilot, MyReservationIdentifyScreen)
    mock_reader(assembly).place(card)
    await until(lambda: bool(pilot.app.screen.query_one("#identified").display))
    await tap(pilot, "#continue")
    await on_screen(pilot, MyReservationScreen)
    await until(lambda: "您的登记" in screen_text(cast(KioskApp, pilot.app))
                or "无法查询您的登记" in screen_text(cast(KioskApp, pilot.app)))
