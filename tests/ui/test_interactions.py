"""Every click must earn its place (issue 13): journey A, from a hot item to the done
screen, takes at most 4 deliberate interactions plus the card for a service whose form is
a single choice, by keyboard and by touch; rating takes one."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import RadioSet

from screens.app import KioskApp
from screens.confirm import ConfirmScreen
from screens.done import DoneScreen
from screens.form import FormScreen
from screens.home import HomeScreen
from screens.identify import IdentifyScreen
from tests.support.kiosk_driver import mock_reader, on_screen, until
from wiring.assembly import Assembly

TARGET = 4  # hot item to done, plus the card
ITEM = "marriage-record-proof"  # name and number from the card, one choice: the purpose


@dataclass
class Counted:
    """A person's hands: every key and tap goes through here and is counted."""

    pilot: Pilot[None]
    log: list[str] = field(default_factory=list)

    async def key(self, key: str) -> None:
        self.log.append(f"key {key}")
        await self.pilot.press(key)

    async def tap(self, target: str | Widget) -> None:
        widget = self.pilot.app.screen.query_one(target) if isinstance(target, str) else target
        await until(lambda: not widget.disabled and not widget.has_class("-active"))
        await self.pilot.pause()
        self.log.append(f"tap {target}")
        assert await self.pilot.click(widget)


async def test_journey_a_by_keyboard_in_four_keys(assembly: Assembly) -> None:
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        hands = Counted(pilot)
        await on_screen(pilot, HomeScreen)
        await hands.key("1")  # the hot item
        await on_screen(pilot, IdentifyScreen)
        mock_reader(assembly).place(0)  # the card: not counted
        await until(lambda: bool(app.screen.query_one("#identified").display))
        await hands.key("enter")  # continue has the focus
        await on_screen(pilot, FormScreen)
        await hands.key("enter")  # the purpose list has the focus, on its first choice
        await on_screen(pilot, ConfirmScreen)
        await hands.key("enter")  # submit has the focus
        await on_screen(pilot, DoneScreen)
        assert len(hands.log) <= TARGET, hands.log

        hands.log.clear()
        await until(lambda: not app.screen.query_one("#rate-5").disabled)
        await hands.key("4")  # the level's number
        await on_screen(pilot, HomeScreen)
        assert hands.log == ["key 4"]
        await until(lambda: assembly.store.outbox.summary().pending == 2)


async def test_journey_a_by_touch_in_four_taps(assembly: Assembly) -> None:
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        hands = Counted(pilot)
        await on_screen(pilot, HomeScreen)
        await hands.tap(f"#hot-{ITEM}")
        await on_screen(pilot, IdentifyScreen)
        mock_reader(assembly).place(0)
        await until(lambda: bool(app.screen.query_one("#identified").display))
        await hands.tap("#continue")
        await on_screen(pilot, FormScreen)
        # A person taps the choice they mean, not the first.
        await hands.tap(app.screen.query_one("#field-purpose", RadioSet).children[1])
        await on_screen(pilot, ConfirmScreen)
        await hands.tap("#submit")
        await on_screen(pilot, DoneScreen)
        assert len(hands.log) <= TARGET, hands.log

        hands.log.clear()
        await hands.tap("#rate-5")
        await on_screen(pilot, HomeScreen)
        assert len(hands.log) == 1
        rows = assembly.store.outbox.claim(10)
        assert rows[0].payload["answers"]["purpose"] == "house_purchase"
        await until(lambda: assembly.store.outbox.summary().pending == 2)
