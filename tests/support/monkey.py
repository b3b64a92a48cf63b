"""A monkey for the kiosk (issue 13, "Done means"): seeded random keys, taps and device
events, as a careless crowd would give them, watched for anything that ends the kiosk.

Taps are delivered as the terminal driver delivers them (a MouseDown and a MouseUp posted
to the app, which makes the Click), not with ``pilot.click``, which skips ``App.on_event``
and so the idle timer and the idle warning's "a touch only extends". Pure chance rarely
gets a form filled in, so now and then the monkey "helps": it gives the current screen
the input that moves the journey on (a valid card on the identify screen, a phone number
on the form, the staff PIN), still through keys, taps and the field-test hooks. Devices
are broken only through the screens' own field-test buttons, and repaired now and then,
as a field tester would.

Used by tests/ui/test_monkey.py (a modest count) and bench/monkey.py (a long run).
"""

from __future__ import annotations

import asyncio
import logging
import random
import string
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import cast

from textual import events
from textual.css.query import NoMatches
from textual.errors import NoWidget
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button, Input, RadioButton, RadioSet

from contracts.clock import FakeClock
from contracts.eid import make_eid
from kiosk.field_test import PICKUP_KINDS, FieldTest
from screens.app import KioskApp
from screens.cabinet_staff import CabinetStaffScreen
from screens.catalog import CatalogScreen
from screens.confirm import ConfirmScreen
from screens.done import DoneScreen
from screens.door import DoorScreen
from screens.form import FormScreen
from screens.home import HomeScreen
from screens.identify import IdentifyScreen
from screens.idle_warning import IdleWarning
from screens.keypad import Key
from screens.lookup import LookupScreen
from screens.pickup import PickupScreen
from screens.rating import RatingScreen
from screens.service_staff import ServiceStaffScreen
from screens.staff import StaffScreen
from screens.staff_login import StaffLoginScreen
from wiring.assembly import Assembly

# The staff PIN of config/demo.toml (its comment says so; tests/support signs in with it).
DEMO_STAFF_PIN = "2468"

# Every screen the kiosk shows; a monkey run must end on one of them.
KIOSK_SCREENS: tuple[type, ...] = (
    HomeScreen, CatalogScreen, IdentifyScreen, FormScreen, ConfirmScreen, DoneScreen,
    RatingScreen, PickupScreen, LookupScreen, StaffLoginScreen, StaffScreen, IdleWarning,
    DoorScreen, CabinetStaffScreen, ServiceStaffScreen)

# What the kiosk's keyboard users press, digits most (hot list, keypads, PIN).
KEYS = (
    [str(n) for n in range(10)] * 3
    + ["enter"] * 4
    + ["escape", "escape", "tab", "tab", "shift+tab", "up", "down", "left", "right",
       "space", "backspace", "backspace", "f12", "X", "x"]
    + list("abcdefghijklmnopqrstuvwxyz")
    + ["张", "-", "[", "]"]  # a Han character, and markup brackets typed into inputs
)

# Key names and characters as Textual's driver reports them.
_KEY_NAMES = {"[": "left_square_bracket", "]": "right_square_bracket", "-": "minus"}
_KEY_CHARS = {"enter": "\r", "tab": "\t", "space": " ", "escape": "\x1b",
              "backspace": "\x7f", "shift+tab": None}

# How often each kind of event comes (relative weights).
WEIGHTS = {
    "key": 34,
    "tap_widget": 30,
    "tap_anywhere": 6,
    "card": 6,
    "qr": 4,
    "dwell": 4,
    "idle": 2,
    "repair": 1,
    "help": 20,  # one to three right inputs in a row (see Monkey.help)
}

# A payload the camera may see that is no code of ours, or a broken one of ours.
JUNK = ("", " ", "hello", "REF:", "REF:[bold]x[/]", "EID:", "EID:!!!", "PICKUP:",
        "https://example.com/x", "\u200b", "张伟 310104198506121230", "0" * 200)


@dataclass
class MonkeyReport:
    """What one run did and saw."""

    events: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    visits: Counter[str] = field(default_factory=Counter)
    faults: list[str] = field(default_factory=list)  # the app's fault log lines
    tracebacks: int = 0  # events after which a traceback was on screen
    stopped: bool = False  # the app stopped running (or set a return code)

    @property
    def visited(self) -> set[str]:
        return set(self.visits)


# Where each way out of the home screen leads.
HOME_WAYS = {"#start": "CatalogScreen", "hot": "IdentifyScreen", "#pickup": "PickupScreen",
             "#lookup": "LookupScreen", "f12": "StaffLoginScreen"}


class _FaultLog(logging.Handler):
    """Keeps the error lines the kiosk logs (the fault net logs type and place only)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {record.getMessage()}")


class Monkey:
    def __init__(self, pilot: Pilot[None], rng: random.Random, assembly: Assembly,
                 clock: FakeClock, *, weights: dict[str, int] | None = None) -> None:
        self.pilot = pilot
        self.app = cast(KioskApp, pilot.app)
        self.rng = rng
        self.assembly = assembly
        self.clock = clock
        field_test = assembly.api.field_test
        assert field_test is not None, "the monkey needs mock devices (the demo config)"
        self.field_test: FieldTest = field_test
        self.report = MonkeyReport()
        kinds = weights or WEIGHTS
        self._kinds = list(kinds)
        self._weights = [kinds[k] for k in self._kinds]
        reader = field_test.reader
        assert reader is not None
        api = assembly.api
        self.deck_size = len(reader.deck)
        # Cards the kiosk accepts today: the "right" card for the identify screen.
        self.good_cards = [n for n, card in enumerate(reader.deck)
                           if api.card_problem(card.holder) is None]
        self._actions: dict[str, Callable[[], Awaitable[None]]] = {
            "key": self.key, "tap_widget": self.tap_widget, "tap_anywhere": self.tap_anywhere,
            "card": self.card, "qr": self.qr, "dwell": self.dwell, "idle": self.idle,
            "repair": self.repair, "help": self.help,
        }

    # -- the run ----------------------------------------------------------------------
    async def run(self, events_count: int) -> MonkeyReport:
        faults = _FaultLog()
        root = logging.getLogger()
        root.addHandler(faults)
        try:
            for _ in range(events_count):
                if not self.app.is_running or self.app.return_code is not None:
                    self.report.stopped = True
                    break
                await self.step()
        finally:
            root.removeHandler(faults)
            self.report.faults = faults.lines
        await self.settle()
        self.report.stopped |= not self.app.is_running or self.app.return_code is not None
        return self.report

    async def step(self) -> None:
        kind = self.rng.choices(self._kinds, self._weights)[0]
        self.report.actions[kind] += 1
        await self._actions[kind]()
        self.report.events += 1
        self.observe()

    def observe(self) -> None:
        if not self.app.is_running:
            return
        self.report.visits[type(self.app.screen).__name__] += 1
        if self.shows_traceback():
            self.report.tracebacks += 1

    def shows_traceback(self) -> bool:
        """Textual's crash screen, or a traceback printed into any widget."""
        if self.app._exit_renderables:  # what Textual prints on a fatal error
            return True
        for widget in self.app.screen.query("*"):
            try:
                text = str(widget.render())
            except Exception:  # noqa: BLE001 - a widget that cannot render is a finding
                return True
            if "Traceback (most recent call last)" in text:
                return True
        return False

    # -- primitive inputs, as a terminal delivers them ----------------------------------
    async def settle(self) -> None:
        """Let the screen handle what is queued. (Not ``pilot.pause()``: it also waits for
        the process to go idle, which the device threads rarely allow, up to 1 s a time.)"""
        if self.app.is_running:
            await self.pilot.pause(0)

    async def press(self, *keys: str) -> None:
        """Keys posted to the app as the terminal driver posts them."""
        for key in keys:
            name = _KEY_NAMES.get(key, key)
            char = _KEY_CHARS.get(key, key if len(key) == 1 else None)
            self.app.post_message(events.Key(name, char))
            await self.settle()

    async def tap_at(self, x: int, y: int) -> None:
        """A tap at screen cell (x, y): MouseDown then MouseUp through the app, which
        makes the Click (the idle timer sees the MouseDown)."""
        for kind in (events.MouseDown, events.MouseUp):
            self.app.post_message(kind(None, x, y, 0, 0, 1, False, False, False,
                                       screen_x=x, screen_y=y))
            await self.settle()

    async def tap(self, widget: Widget) -> bool:
        """Tap a random cell of a widget's visible part; False when none of it shows."""
        try:
            region = self.app.screen.find_widget(widget).visible_region
        except NoWidget:
            return False
        if not region:
            return False
        x = region.x + self.rng.randrange(region.width)
        y = region.y + self.rng.randrange(region.height)
        await self.tap_at(x, y)
        return True

    async def tap_id(self, selector: str) -> bool:
        """Tap a widget of the current screen when it is there, enabled and shown."""
        try:
            widget = self.app.screen.query_one(selector)
        except NoMatches:
            return False
        if widget.disabled:
            return False
        widget.scroll_visible(animate=False)
        await self.settle()
        return await self.tap(widget)

    def tappable(self) -> list[tuple[Widget, int]]:
        """The current screen's controls on show, each with a weight: enabled buttons
        most, then keypad keys, radio buttons and inputs, then disabled buttons."""
        found: list[tuple[Widget, int]] = []
        screen = self.app.screen
        for widget in screen.query("Button, Key, RadioButton, Input"):
            try:
                if not screen.find_widget(widget).visible_region:
                    continue
            except NoWidget:
                continue
            if isinstance(widget, Button):
                found.append((widget, 1 if widget.disabled else 6))
            elif isinstance(widget, Key):
                found.append((widget, 3))
            else:
                found.append((widget, 2))
        return found

    # -- the events ---------------------------------------------------------------------
    async def key(self) -> None:
        await self.press(self.rng.choice(KEYS))

    async def tap_widget(self) -> None:
        controls = self.tappable()
        if not controls:
            await self.tap_anywhere()
            return
        widgets, weights = zip(*controls, strict=True)
        await self.tap(self.rng.choices(widgets, weights)[0])

    async def tap_anywhere(self) -> None:
        width, height = self.app.size
        await self.tap_at(self.rng.randrange(width), self.rng.randrange(height))

    async def card(self) -> None:
        """A card laid on the reader or taken off it."""
        if self.rng.random() < 0.3:
            self.field_test.remove_card()
        else:
            self.field_test.place_card(self.rng.randrange(self.deck_size))
        await self.settle()

    async def qr(self) -> None:
        """A code held up to the camera: ours (e-ID, pickup codes, a slip's reference),
        someone else's, or a broken one."""
        ft, roll = self.field_test, self.rng.random()
        camera = ft.camera
        assert camera is not None
        if roll < 0.25:
            ft.show_eid()
        elif roll < 0.45 and ft.can_show_pickup_codes:
            ft.show_pickup_code(self.rng.choice(PICKUP_KINDS))
        elif roll < 0.6:
            camera.show(f"REF:{self.reference()}")
        elif roll < 0.7:
            # An e-ID that claims a name no card carries (markup, too long, empty).
            name = self.rng.choice(["[b]张[/b]", "张" * 40, "", "O'Brien", "王·芳"])
            camera.show(make_eid(name, "310104198506121230"))
        elif roll < 0.85:
            camera.show(self.rng.choice(JUNK))
        else:
            camera.show("".join(self.rng.choices(string.printable, k=self.rng.randrange(60))))
        await self.settle()

    async def dwell(self) -> None:
        """The person waits a moment: device threads and workers deliver meanwhile."""
        await asyncio.sleep(self.rng.uniform(0.02, 0.3))
        await self.settle()

    async def idle(self) -> None:
        """The person walks away: into the warning, or past the reset."""
        settings = self.assembly.api.settings
        if self.rng.random() < 0.5:
            self.clock.advance(settings.idle_timeout_s - settings.idle_warning_s + 1)
        else:
            self.clock.advance(settings.idle_timeout_s + 1)
        self.app.idle_tick()
        await self.settle()

    async def repair(self) -> None:
        """A field tester puts the devices right (the staff screen's buttons break them)."""
        reader, printer = self.field_test.reader, self.field_test.printer
        if reader is not None:
            reader.replug()
            reader.set_delay(0)
            reader.set_sam_failure(None)
        if printer is not None:
            printer.load_paper()
        await self.settle()

    def reference(self) -> str:
        """A slip reference: one this kiosk gave (it counts from 1), or one it did not."""
        return f"{self.assembly.config.kiosk.id}-{self.rng.randrange(1, 12):06d}"

    # -- help: the input that moves the current screen on --------------------------------
    async def help(self) -> None:
        """One to three right inputs in a row: a person who knows, for a moment."""
        for _ in range(self.rng.randint(1, 3)):
            await self.help_once()

    async def tap_any(self, widgets: list[Widget]) -> None:
        """Tap one of these (scrolled into view first); nothing when there are none yet
        (a screen still composing)."""
        if widgets:
            widget = self.rng.choice(widgets)
            widget.scroll_visible(animate=False)
            await self.settle()
            await self.tap(widget)

    async def help_once(self) -> None:
        screen = self.app.screen
        if isinstance(screen, HomeScreen):
            choice = self.rng.choice(["#start", "#start", "hot", "hot", "#pickup", "#lookup",
                                      "f12"])
            # A way to a screen not seen yet first: every screen gets its turn, however the
            # timing of a run (device reads, workers) sent it elsewhere before.
            unseen = [way for way, name in HOME_WAYS.items() if name not in self.report.visits]
            if unseen:
                choice = self.rng.choice(unseen)
            if choice == "f12":  # the staff key: there is nothing to tap for it
                await self.press("f12")
            elif choice == "hot":
                await self.tap_any(list(screen.query("#hot Button")))
            else:
                await self.tap_id(choice)
        elif isinstance(screen, CatalogScreen):
            await self.tap_any(list(screen.query("#items Button")))
        elif isinstance(screen, IdentifyScreen):
            await self.help_identify(screen)
        elif isinstance(screen, FormScreen):
            await self.help_form(screen)
        elif isinstance(screen, ConfirmScreen):
            await self.tap_id("#submit")
        elif isinstance(screen, DoneScreen):
            await self.help_done(screen)
        elif isinstance(screen, RatingScreen):
            await self.help_rating(screen)
        elif isinstance(screen, PickupScreen):
            if self.rng.random() < 0.5:
                await self.tap_id(f"#sim-pickup-{self.rng.choice(PICKUP_KINDS)}")
            else:
                await self.tap_id("#home")
        elif isinstance(screen, LookupScreen):
            await self.tap_id("#reference")
            await self.press(*self.reference(), "enter")
        elif isinstance(screen, StaffLoginScreen):
            await self.tap_id("#pin")
            await self.press(*DEMO_STAFF_PIN, "enter")
        elif isinstance(screen, IdleWarning):
            await self.press("space")
        else:
            await self.tap_widget()

    async def help_identify(self, screen: IdentifyScreen) -> None:
        if screen.identity is not None:
            await self.tap_id("#continue")
            return
        if self.rng.random() < 0.8 and self.good_cards:
            self.field_test.place_card(self.rng.choice(self.good_cards))
        else:
            self.field_test.show_eid()
        # The reader answers in about a tenth of a second: wait for it as a person would.
        app = self.app
        deadline = asyncio.get_running_loop().time() + 2.0
        while (app.screen is screen and screen.identity is None
               and asyncio.get_running_loop().time() < deadline):
            await asyncio.sleep(0.02)
        await self.settle()

    async def help_form(self, screen: FormScreen) -> None:
        """The first thing still missing: a choice tapped, a phone number typed; else Next."""
        for radio_set in screen.query("#fields RadioSet").results(RadioSet):
            if radio_set.pressed_index < 0:
                await self.tap_any(list(radio_set.query(RadioButton)))
                return
        for phone in screen.query("#fields Input").results(Input):
            if phone.id == "field-phone" and len(phone.value) != 11:
                phone.scroll_visible(animate=False)
                await self.settle()
                await self.tap(phone)
                await self.press("end", *["backspace"] * len(phone.value), *"13812341234")
                return
        await self.tap_id("#next")

    async def help_done(self, screen: DoneScreen) -> None:
        """Wait, as a person reads the reference, until rating is offered; then take it."""
        def waiting() -> bool:
            buttons = screen.query(".level").results(Button)
            return self.app.screen is screen and all(b.disabled for b in buttons)

        deadline = asyncio.get_running_loop().time() + 5.0
        while waiting() and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        await self.tap_id(f"#rate-{self.rng.randint(1, 5)}")  # one tap rates, there

    async def help_rating(self, screen: RatingScreen) -> None:
        if screen.rating is None:
            await self.tap_id(f"#rate-{self.rng.randint(1, 5)}")
            return
        if screen.rating.needs_reason:
            reasons = screen.query_one("#reason", RadioSet)
            if reasons.pressed_index < 0:
                await self.tap_any(list(reasons.query(RadioButton)))
                return
        await self.tap_id("#submit")
