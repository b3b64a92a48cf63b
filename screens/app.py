"""The kiosk app: shows the session's step, ticks the idle timer, runs the workers.

It is given one ``KioskApi`` and holds no rules: screens call the API
(``self.api``) and show what comes back; blocking calls run in thread workers
that post dataclass messages. Journey steps replace each other (``switch_screen``),
so the stack never grows and a reset drops every screen that showed
personal data.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from rich.console import RenderableType
from textual import events, work
from textual._context import active_message_pump
from textual._path import CSSPathType
from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.worker import NoActiveWorker, WorkerFailed, get_current_worker

from contracts.errors import TransitionError
from contracts.slip import Slip
from kiosk.api import KioskApi
from kiosk.i18n import Translator
from kiosk.idle import IdleState
from kiosk.printing import PrintResult
from kiosk.session import Session, Step
from offline_cache.outbox import QueueSummary
from offline_cache.sync import SyncReport
from screens.base import StaffArea
from screens.catalog import CatalogScreen
from screens.confirm import ConfirmScreen
from screens.done import DoneScreen
from screens.form import FormScreen
from screens.home import HomeScreen
from screens.identify import IdentifyScreen
from screens.idle_warning import IdleWarning
from screens.rating import RatingScreen
from screens.staff import StaffScreen
from screens.staff_login import StaffLoginScreen

# Each step's screen, made from the session as it is now (a screen composes later).
_STEP_SCREENS: dict[Step, Callable[[Session], Screen[None]]] = {
    Step.ATTRACT: lambda _: HomeScreen(),
    Step.CHOOSE_ITEM: lambda _: CatalogScreen(),
    Step.IDENTIFY: IdentifyScreen,
    Step.FORM: FormScreen,
    Step.CONFIRM: ConfirmScreen,
    Step.DONE: DoneScreen,
    Step.RATE: lambda _: RatingScreen(),
}

log = logging.getLogger(__package__)
_OUR_ROOT = Path(__file__).resolve().parent.parent  # the layers' common folder

# How often idle devices are probed, so the status bar notices an unplugged reader
# (and the driver reconnects it) even when nobody is at the identify screen.
DEVICE_CHECK_S = 5.0


@dataclass
class SyncFinished(Message):
    report: SyncReport
    queue: QueueSummary


@dataclass
class StaffPrintFinished(Message):
    """A reprint or test print started from the staff screen has ended (None: nothing to
    reprint)."""

    result: PrintResult | None
    test: bool = False
    reference: str | None = None  # a reprint by reference (None result: no such slip)


@dataclass
class PrintFinished(Message):
    result: PrintResult


class KioskApp(App[None], inherit_bindings=False):
    CSS_PATH: ClassVar[CSSPathType | None] = ["kiosk.tcss", "reserve.tcss"]
    ENABLE_COMMAND_PALETTE = False
    TITLE = "政务服务自助终端"
    # No quit key. F12 opens the staff PIN pad (when the config holds a staff PIN hash).
    BINDINGS = [Binding("f12", "staff", show=False, id="staff")]

    def __init__(self, api: KioskApi, *, sync_in_background: bool = True) -> None:
        super().__init__()
        self.api = api
        self.t = Translator(api.settings.language)
        self.elder = False
        self.sync_in_background = sync_in_background

    @property
    def session(self) -> Session:
        return self.api.session

    # -- lifecycle ------------------------------------------------------------
    def on_mount(self) -> None:
        self.push_screen(HomeScreen())
        self.set_interval(1.0, self.idle_tick, name="idle")
        self.set_interval(DEVICE_CHECK_S, self.check_devices, name="devices")
        if self.sync_in_background:
            self.api.start_sync_loop(self._sync_reported)
            self.sync_forever()
        if self.api.has_cabinet:
            self.reconcile_cabinet()

    def on_unmount(self) -> None:
        # The store closes after the app: a request in flight finishes first.
        self.api.stop_sync_loop()

    # -- faults -----------------------------------------------------------------
    def _handle_exception(self, error: Exception) -> None:
        """An unexpected error in a screen never ends the kiosk: it is logged (its type and
        where it happened; never its message or locals, which may hold personal data),
        counted for staff, and the kiosk starts over on a fresh home screen. An error in
        the app's own message loop cannot be recovered in-process: the kiosk exits with
        status 1 and its service manager starts it again."""
        # A worker's error is named and placed by what the worker raised.
        cause = error.error if isinstance(error, WorkerFailed) else error
        frames = traceback.extract_tb(cause.__traceback__)
        # The innermost frame of ours: a query that failed inside Textual is placed where
        # we made it, not in Textual's dom.py.
        ours = [f for f in frames if Path(f.filename).is_relative_to(_OUR_ROOT)] or frames
        where = f"{Path(ours[-1].filename).name}:{ours[-1].lineno} in {ours[-1].name}" \
            if ours else "?"
        own_loop = active_message_pump.get(None) is self and not self._a_screens_worker(error)
        log.error("unexpected %s at %s; %s", type(cause).__name__, where,
                  "the kiosk stops" if own_loop else "back to the home screen")
        self.api.ui_faults += 1
        if own_loop or not self.is_running:
            self._return_code = 1
            self._fatal_error()
            return
        self.call_later(self.reset_session)

    def _a_screens_worker(self, error: Exception) -> bool:
        """A failed worker of a screen or widget (a device read, a lookup): Textual reports
        it from the app's own context, but the app's loop is whole and home is safe."""
        if not isinstance(error, WorkerFailed):
            return False
        try:
            worker = get_current_worker()
        except NoActiveWorker:
            return False
        return worker.node is not self

    def panic(self, *renderables: RenderableType) -> None:
        """Textual panics when its input thread dies, with a traceback to print and exit
        status 0: the kiosk prints its one line instead and exits 1."""
        log.error("the terminal's input failed; the kiosk stops")
        self._return_code = 1
        self._fatal_error()

    def _fatal_error(self) -> None:
        """Textual's own prints a traceback with every local: never on a kiosk."""
        self.bell()
        self._exit_renderables.append(self.t("app.stopped"))
        self._close_messages_no_wait()

    # -- navigation -----------------------------------------------------------
    def advance(self, move: Callable[..., None], *args: Any) -> None:
        """Move the session on and show its step. A move the session cannot take now (a
        second key or tap in the same frame, before the screen changed) is ignored: a
        citizen's input never ends the kiosk."""
        try:
            move(*args)
        except TransitionError:
            log.info("input ignored: the session is at %s", self.session.step)
            return
        self.show_step()

    def show_step(self) -> None:
        """Show the screen for the session's current step."""
        while isinstance(self.screen, IdleWarning):
            self.pop_screen()
        self.switch_screen(_STEP_SCREENS[self.session.step](self.session))

    def reset_session(self) -> None:
        """Back to the home screen as the next visitor should find it: every piece of
        personal data dropped, and the kiosk's own language and normal mode again."""
        self.api.reset_session()
        self.t = Translator(self.api.settings.language)
        self._set_elder(False)
        self.show_step()

    def rate(self, level: int) -> None:
        """A level chosen on the done screen: the rating step, with that level taken."""
        try:
            self.session.to_rating()
        except TransitionError:
            return
        self.switch_screen(RatingScreen(level))

    def action_staff(self) -> None:
        api = self.api
        if not api.staff_enabled or isinstance(self.screen, StaffArea):
            return  # (a locked sign-in still opens: it says until when)
        api.reset_session()  # a citizen's data never stays behind a staff screen
        while isinstance(self.screen, IdleWarning):
            self.pop_screen()
        self.switch_screen(StaffLoginScreen())

    def set_language(self, lang: str) -> None:
        self.t = Translator(lang)
        self.show_step()

    def set_elder_mode(self, on: bool) -> None:
        self._set_elder(on)
        self.show_step()

    def _set_elder(self, on: bool) -> None:
        self.elder = on
        self.set_class(on, "-elder")
        self.api.set_elder_time(on)
        self.elder_changed(on)

    def elder_changed(self, on: bool) -> None:
        """Elder mode went on or off: a front end that can grow its text does so here
        (the browser's, wiring/web.py); a terminal cannot."""

    # -- idle timeout ---------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        # Key and MouseDown only: a browser reports every mouse move as well.
        if isinstance(event, (events.Key, events.MouseDown)):
            self.api.idle.touch()
            if isinstance(self.screen, IdleWarning):
                # The touch only extends: it must not also press what lies beneath.
                self.screen.dismiss()
                return
        await super().on_event(event)

    def idle_tick(self) -> None:
        """Called every second (tests call it after moving the fake clock)."""
        idle = self.api.idle
        if self.session.step is Step.ATTRACT and isinstance(self.screen, HomeScreen):
            idle.touch()  # only the home screen waits for ever
            return
        status = idle.status()
        if status.state is IdleState.EXPIRED:
            self.reset_session()
        elif status.state is IdleState.WARNING:
            if isinstance(self.screen, IdleWarning):
                self.screen.seconds_left = status.seconds_left
            else:
                self.push_screen(IdleWarning(status.seconds_left))

    # -- printing -------------------------------------------------------------
    def print_slip(self, slip: Slip) -> None:
        """Print off the UI thread; the idle countdown waits until the job is over.

        The app, not the screen, owns the job: a person may move on while it prints.
        """
        self.api.idle.pause()
        self.print_job(slip)

    @work(thread=True, group="print")
    def print_job(self, slip: Slip) -> None:
        self.post_message(PrintFinished(self.api.print_slip(slip)))

    @work(thread=True, exclusive=True, group="print")
    def reprint_last(self) -> None:
        """Staff: the last slip again, marked COPY and counted."""
        self.post_message(StaffPrintFinished(self.api.reprint_last(self.t("slip.copy"))))

    @work(thread=True, exclusive=True, group="print")
    def reprint(self, reference: str) -> None:
        """Staff: a slip found by its reference again, marked COPY and counted."""
        result = self.api.reprint(reference, self.t("slip.copy"))
        self.post_message(StaffPrintFinished(result, reference=reference))

    @work(thread=True, exclusive=True, group="print")
    def test_print(self) -> None:
        """Staff, after loading paper: the demo slip, journalled like any other."""
        self.post_message(StaffPrintFinished(self.api.test_print(), test=True))

    def on_staff_print_finished(self, message: StaffPrintFinished) -> None:
        if isinstance(self.screen, StaffScreen):
            self.screen.show_print_result(message.result, message.test, message.reference)

    def on_print_finished(self, message: PrintFinished) -> None:
        self.api.idle.resume()
        if isinstance(self.screen, DoneScreen):
            self.screen.show_print_result(message.result.problem)

    # -- devices and sync -----------------------------------------------------
    def sync_now(self) -> None:
        """Staff's "sync now": wake the background loop, or run one pass without it."""
        log.info("staff: sync now")
        if self.api.syncs_in_background:
            self.api.sync_soon()
        else:
            self.sync_pass()

    @work(thread=True, exclusive=True, group="cabinet")
    def reconcile_cabinet(self) -> None:
        """Doors a power cut left mid-way, loads the platform has not heard of: staff see
        what this finds on the cabinet screen."""
        self.api.cabinet_reconcile()

    @work(thread=True, exclusive=True, group="devices")
    def check_devices(self) -> None:
        self.api.check_devices()

    @work(thread=True, exclusive=True, group="sync")
    def sync_forever(self) -> None:
        """The background sync: passes, backoff and the connectivity monitor, until unmount."""
        self.api.run_sync_loop()

    @work(thread=True, exclusive=True, group="sync")
    def sync_pass(self) -> None:
        self._sync_reported(self.api.sync_once())

    def _sync_reported(self, report: SyncReport) -> None:
        """On the sync thread: take up new reference data, then tell the UI."""
        self.post_message(SyncFinished(report, self.api.take_report(report)))

    def on_sync_finished(self, message: SyncFinished) -> None:
        self.api.note_sync(message.report, message.queue)
        # New reference data (a round opened, the catalog changed): a home screen nobody
        # is using shows it now, not after the next visit.
        if message.report.reference_updated and isinstance(self.screen, HomeScreen):
            self.show_step()
