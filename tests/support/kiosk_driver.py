"""Helpers for driving the kiosk app in tests: what the screen shows, waiting for a screen,
the mock devices behind the real drivers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import cast

from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Static

from devices.hub import MockDevices
from devices.idcard import MockCardReader
from devices.printer import MockPrinterDevice
from devices.qr import MockCamera
from screens.app import KioskApp
from wiring.assembly import Assembly


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait for a condition the app reaches on its own (a worker, a device read)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


def screen_text(app: KioskApp) -> str:
    """Every piece of text the current screen shows (statics and button labels)."""
    parts: list[str] = []
    for widget in app.screen.query("*"):
        if isinstance(widget, Static):
            parts.append(str(widget.render()))
        label = getattr(widget, "label", None)
        if label is not None:
            parts.append(str(label))
        value = getattr(widget, "value", None)
        if isinstance(value, str):
            parts.append(value)
    return "\n".join(parts)


def shows(app: KioskApp, text: str) -> Callable[[], bool]:
    """A condition for ``until``: the screen shows ``text`` (bound now, not at each look)."""
    return lambda: text in screen_text(app)


def mocks(assembly: Assembly) -> MockDevices:
    """The mock devices of an assembly built from a config that mocks them."""
    found = assembly.hub.mocks
    assert found is not None, "the config mocks no device"
    return found


def mock_reader(assembly: Assembly) -> MockCardReader:
    reader = mocks(assembly).idcard
    assert reader is not None, "the config has a real card reader"
    return reader


def mock_camera(assembly: Assembly) -> MockCamera:
    camera = mocks(assembly).qr
    assert camera is not None, "the config has a real QR scanner"
    return camera


def mock_printer(assembly: Assembly) -> MockPrinterDevice:
    printer = mocks(assembly).printer
    assert printer is not None, "the config has a real printer"
    return printer


async def on_screen(pilot: Pilot[None], kind: type[Screen[None]],
                    timeout: float = 10.0) -> None:
    await until(lambda: isinstance(pilot.app.screen, kind), timeout)
    await pilot.pause()


def slip_text(data: bytes) -> str:
    """The printable text of an ESC/POS slip of ours, lines joined (wrapping undone)."""
    text = data.decode("gb18030", errors="replace")
    for code in ("\x1c&", "\x1c.", "\n"):
        text = text.replace(code, "")
    return text


async def tap(pilot: Pilot[None], selector: str) -> None:
    """Click a button as a person would: not again while it still shows the last press.

    (Textual's Button ignores a click during its 0.2 s active effect: a double tap
    counts once. Pilot aims at the region the button had before its own pause, so
    the layout must have settled first.)
    """
    button = pilot.app.screen.query_one(selector)
    # Not while it shows the last press, nor while it is disabled (as a person waits).
    await until(lambda: not button.has_class("-active") and not button.disabled)
    # Scroll it into view and let the layout settle: a person taps what is drawn.
    button.scroll_visible(animate=False)
    await pilot.pause()
    assert await pilot.click(selector), f"{selector} was not hit"


async def to_identify(pilot: Pilot[None], item_id: str) -> None:
    """Straight to the identify screen for a catalog item, as if chosen on the catalog."""
    from screens.home import HomeScreen
    from screens.identify import IdentifyScreen

    app = cast(KioskApp, pilot.app)
    await on_screen(pilot, HomeScreen)
    app.session.choose(app.api.catalog.get(item_id))
    app.show_step()
    await on_screen(pilot, IdentifyScreen)


async def apply_to_done(app, pilot: Pilot[None], item_id: str, card: int,
                        stop_at: type[Screen[None]] | None = None) -> None:
    """Identify with a demo card, take the first option of every choice, submit; or stop
    on the screen ``stop_at`` (the form or the confirm screen) once it shows."""
    from textual.widgets import Input, RadioSet

    from screens.confirm import ConfirmScreen
    from screens.done import DoneScreen
    from screens.form import FormScreen

    await to_identify(pilot, item_id)
    await tap(pilot, f"#sim-card-{card}")
    await until(lambda: app.screen.query_one("#identified").display)
    await tap(pilot, "#continue")
    await on_screen(pilot, FormScreen)
    if stop_at is FormScreen:
        return
    for phone in app.screen.query("#field-phone").results(Input):
        phone.value = "13812341234"
    for radio in list(app.screen.query("#fields RadioSet").results(RadioSet)):
        radio.children[0].value = True
    await pilot.pause()
    if isinstance(app.screen, FormScreen):  # a form of choices only moves on by itself
        await tap(pilot, "#next")
    await on_screen(pilot, ConfirmScreen)
    if stop_at is ConfirmScreen:
        return
    await tap(pilot, "#submit")
    await on_screen(pilot, DoneScreen)


async def staff_sign_in(pilot: Pilot[None]) -> None:
    """F12 and the demo staff PIN, to the staff screen."""
    from screens.staff import StaffScreen

    await pilot.press("f12")
    await pilot.press("2", "4", "6", "8", "enter")
    await on_screen(pilot, StaffScreen)


async def refused_by_answer(app, pilot: Pilot[None]) -> None:
    """A driving-licence renewal without the medical check, to the done screen: a refusal
    the card cannot decide, only an answer."""
    from textual.widgets import Input, RadioButton, RadioSet

    from screens.confirm import ConfirmScreen
    from screens.done import DoneScreen
    from screens.form import FormScreen

    await apply_to_done(app, pilot, "driving-licence-renewal", 0, stop_at=FormScreen)
    for radio in list(app.screen.query("#fields RadioSet").results(RadioSet)):
        options = list(radio.query(RadioButton).results(RadioButton))
        options[-1 if radio.id == "field-health_check" else 0].value = True
    app.screen.query_one("#field-phone", Input).value = "13812341234"
    await tap(pilot, "#next")
    await on_screen(pilot, ConfirmScreen)
    await tap(pilot, "#submit")
    await on_screen(pilot, DoneScreen)
