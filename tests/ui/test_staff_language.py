"""Issue 13, item 12: staff screens are translated like citizen screens. Every staff
screen and panel is rendered with its faults and states shown (device causes, a sync
error, a refused item, armed mock faults, a card on the reader): in zh-CN no English
word appears but technical names, in English no Chinese character appears."""

from __future__ import annotations

import re

import pytest
from textual.widgets import Static

from devices.printer import PrinterState
from kiosk.i18n import Translator
from offline_cache.sync_errors import SyncError
from screens.app import KioskApp
from screens.home import HomeScreen
from screens.staff import StaffScreen
from screens.staff_login import StaffLoginScreen
from tests.support.kiosk_driver import (
    apply_to_done,
    mock_printer,
    mock_reader,
    on_screen,
    screen_text,
    tap,
    until,
)
from wiring.assembly import Assembly

# Technical names shown as they are: paths (ports, the mock's links), references, hex
# status bytes, errno names, times and dates; then words in capitals (SAM, HTTP, COPY).
_TECHNICAL = re.compile(
    r"/\S+|\b[A-Z]{2}-[A-Z]{3}-\d{4}-\d{6}\b|\b0x[0-9a-fA-F]+\b|\b\d[\d:. -]*\b")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
# Lower-case names that are what the config says, not prose: printer connection kinds.
ALLOWED = {"net", "serial", "usb", "file"}
_HAN = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]")


def english_words(text: str) -> set[str]:
    words = set(_WORD.findall(_TECHNICAL.sub(" ", text)))
    return {w for w in words if not w.isupper() and w.lower() not in ALLOWED}


def shown(app: KioskApp, selector: str) -> bool:
    return str(app.screen.query_one(selector, Static).render()) != ""


async def staff_views(app: KioskApp, assembly: Assembly, pilot, lang: str) -> list[str]:
    """The text of each staff screen and panel in ``lang``, in several states."""
    await apply_to_done(app, pilot, "marriage-record-proof", 0)  # a slip to find
    await until(lambda: app.api.journal_state().last is not None)
    app.reset_session()
    await on_screen(pilot, HomeScreen)
    outbox = assembly.store.outbox
    refused = outbox.enqueue("application", "marriage-record-proof", {})
    outbox.claim(10)
    outbox.quarantine(refused.id, SyncError.REFUSED)
    outbox.note_sync(False, SyncError.HTTP_STATUS.with_detail(503))
    app.t = Translator(lang)  # F12 keeps the app's language (only a reset restores it)
    views = []
    await pilot.press("f12")
    await on_screen(pilot, StaffLoginScreen)
    await pilot.press("1", "enter")  # a wrong PIN: the tries left
    await until(lambda: shown(app, "#pin-problem"))
    views.append(screen_text(app))
    await pilot.press("2", "4", "6", "8", "enter")
    await on_screen(pilot, StaffScreen)
    reader, printer = mock_reader(assembly), mock_printer(assembly)
    reader.place(1)
    reader.corrupt_next_read()
    reader.truncate_next_read()
    reader.fail_next_read(0x41)
    reader.set_sam_failure(0x60)
    printer.set_state(PrinterState.COVER_OPEN)
    app.check_devices()
    await until(lambda: app.api.device_statuses()["idcard"].cause == "sam_status")
    await tap(pilot, "#slip-reference")
    await tap(pilot, "#slip-keypad #key-1")
    await tap(pilot, "#slip-find")
    await until(lambda: shown(app, "#slip-found"))
    await tap(pilot, "#staff-reprint")
    await until(lambda: shown(app, "#print-result"))
    await until(lambda: "503" in screen_text(app))
    views.append(screen_text(app))
    reader.set_sam_failure(None)
    reader.unplug()  # the port is gone: why, and the port and errno name
    app.check_devices()
    await until(lambda: app.api.device_statuses()["idcard"].cause == "open_failed")
    await pilot.pause(0.6)  # (the table refreshes every 0.5 s: wait for the next one)
    views.append(screen_text(app))
    return views


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_staff_screens_speak_one_language(assembly: Assembly, lang: str) -> None:
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 60)) as pilot:
        views = await staff_views(app, assembly, pilot, lang)
    assert "拒收" in views[1] or "Refused" in views[1]  # the states were on screen
    for text in views:
        if lang == "zh-CN":
            assert english_words(text) == set(), text
        else:
            assert _HAN.findall(text) == [], text
