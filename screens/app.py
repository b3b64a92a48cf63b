"""The kiosk app: owns the session, the idle timer and the background sync.

Screens hold no business rules: they call the core through this app and
show what comes back. Journey steps replace each other (``switch_screen``),
so the stack never grows and a reset drops every screen that showed
personal data.
"""

from __future__ import annotations

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.message import Message

from devices.printer import PrintError, Slip, render_slip
from devices.status import DeviceStatus
from kiosk.i18n import Translator
from kiosk.idle import IdleMonitor, IdleState
from kiosk.services import Services
from kiosk.session import Session, Step
from kiosk.slips import demo_slip
from kiosk.staff import PinGate
from kiosk.sync_setup import sync_loop
from offline_cache.outbox import QueueSummary
from offline_cache.slip_journal import JobKind
from offline_cache.sync import SyncReport
from offline_cache.sync_loop import SyncLoop
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

_STEP_SCREENS = {
    Step.ATTRACT: HomeScreen,
    Step.CHOOSE_ITEM: CatalogScreen,
    Step.IDENTIFY: IdentifyScreen,
    Step.FORM: FormScreen,
    Step.CONFIRM: ConfirmScreen,
    Step.DONE: DoneScreen,
    Step.RATE: RatingScreen,
}

# How often idle devices are probed, so the status bar notices an unplugged reader
# (and the driver reconnects it) even when nobody is at the identify screen.
DEVICE_CHECK_S = 5.0

# Elder mode doubles the idle timeout: generous time.
ELDER_TIME_FACTOR = 2


class SyncFinished(Message):
    def __init__(self, report: SyncReport, queue: QueueSummary) -> None:
        super().__init__()
        self.report = report
        self.queue = queue


class StaffPrintFinished(Message):
    """A reprint or test print started from the staff screen has ended."""

    def __init__(self, what: str, problem: DeviceStatus | None) -> None:
        super().__init__()
        self.what = what
        self.problem = problem


class PrintFinished(Message):
    def __init__(self, problem: DeviceStatus | None) -> None:
        super().__init__()
        self.problem = problem


class KioskApp(App[None], inherit_bindings=False):
    CSS_PATH = "kiosk.tcss"
    ENABLE_COMMAND_PALETTE = False
    TITLE = "政务服务自助终端"
    # No quit key. F12 opens the staff PIN pad (when the config holds a staff PIN hash).
    BINDINGS = [Binding("f12", "staff", show=False, id="staff")]

    def __init__(self, services: Services, *, sync_in_background: bool = True) -> None:
        super().__init__()
        self.services = services
        self.sync_loop: SyncLoop | None = None
        self.session = Session()
        self.t = Translator(services.config.kiosk.language)
        self.elder = False
        idle = services.config.idle
        self.idle = IdleMonitor(services.clock, idle.timeout_s, idle.warning_s)
        self.sync_in_background = sync_in_background
        self.pin_gate = PinGate(services.clock)

    # -- lifecycle ------------------------------------------------------------
    def on_mount(self) -> None:
        self.push_screen(HomeScreen())
        self.set_interval(1.0, self.idle_tick, name="idle")
        self.set_interval(DEVICE_CHECK_S, self.check_devices, name="devices")
        if self.sync_in_background:
            self.sync_loop = sync_loop(self.services.config, self.services.link_to_platform,
                                       self._sync_reported)
            self.sync_forever()

    def on_unmount(self) -> None:
        if self.sync_loop is not None:
            # The store closes after the app: let a request in flight finish first.
            self.sync_loop.stop()
            self.sync_loop.join(self.services.config.platform.timeout_s + 1)

    # -- navigation -----------------------------------------------------------
    def show_step(self) -> None:
        """Show the screen for the session's current step."""
        while isinstance(self.screen, IdleWarning):
            self.pop_screen()
        self.switch_screen(_STEP_SCREENS[self.session.step]())

    def reset_session(self) -> None:
        """Back to the home screen; every piece of personal data is dropped."""
        self.session.reset()
        self.idle.touch()
        self.show_step()

    def action_staff(self) -> None:
        if (not self.services.config.staff.pin_hash or isinstance(self.screen, StaffArea)
                or self.pin_gate.locked()):
            return
        self.session.reset()  # a citizen's data never stays behind a staff screen
        self.idle.touch()
        while isinstance(self.screen, IdleWarning):
            self.pop_screen()
        self.switch_screen(StaffLoginScreen())

    def set_language(self, lang: str) -> None:
        self.t = Translator(lang)
        self.show_step()

    def set_elder_mode(self, on: bool) -> None:
        self.elder = on
        self.set_class(on, "-elder")
        idle = self.services.config.idle
        factor = ELDER_TIME_FACTOR if on else 1
        self.idle.timeout_s = idle.timeout_s * factor  # keep the monitor: a print may hold it
        self.show_step()

    # -- idle timeout ---------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        # Key and MouseDown only: a browser reports every mouse move as well.
        if isinstance(event, (events.Key, events.MouseDown)):
            self.idle.touch()
            if isinstance(self.screen, IdleWarning):
                # The touch only extends: it must not also press what lies beneath.
                self.screen.dismiss()
                return
        await super().on_event(event)

    def idle_tick(self) -> None:
        """Called every second (tests call it after moving the fake clock)."""
        if self.session.step is Step.ATTRACT and isinstance(self.screen, HomeScreen):
            self.idle.touch()  # only the home screen waits for ever
            return
        status = self.idle.status()
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
        self.idle.pause()
        self.print_job(slip)

    @work(thread=True, group="print")
    def print_job(self, slip: Slip) -> None:
        journal = self.services.journal
        entry = journal.record(slip)  # kept before it prints: a failed job can be reprinted
        self.post_message(PrintFinished(self._send(entry, slip)))

    def _send(self, entry: int, slip: Slip) -> DeviceStatus | None:
        """Render and print one journalled slip (worker thread); the problem, or None."""
        printer = self.services.hub.printer
        try:
            printer.print_job(render_slip(slip, printer.paper_mm, printer.native_qr))
        except PrintError as exc:
            self.services.journal.finished(entry, exc.status.code)
            return exc.status
        self.services.journal.finished(entry)
        return None

    @work(thread=True, exclusive=True, group="print")
    def reprint_last(self) -> None:
        """Staff: the last slip again, marked COPY and counted."""
        journal = self.services.journal
        last = journal.last()
        if last is None:
            self.post_message(StaffPrintFinished("nothing", None))
            return
        entry, copy = journal.copy_of(last.id, self.t("slip.copy"))
        self.post_message(StaffPrintFinished(copy.reference, self._send(entry, copy)))

    @work(thread=True, exclusive=True, group="print")
    def test_print(self) -> None:
        """Staff, after loading paper: the demo slip, journalled like any other."""
        slip = demo_slip()
        entry = self.services.journal.record(slip, JobKind.TEST)
        self.post_message(StaffPrintFinished("test", self._send(entry, slip)))

    def on_staff_print_finished(self, message: StaffPrintFinished) -> None:
        if isinstance(self.screen, StaffScreen):
            self.screen.show_print_result(message.what, message.problem)

    def on_print_finished(self, message: PrintFinished) -> None:
        self.idle.resume()
        if isinstance(self.screen, DoneScreen):
            self.screen.show_print_result(message.problem)

    # -- sync -----------------------------------------------------------------
    def sync_soon(self) -> None:
        """A new record is waiting: push it now rather than at the next interval."""
        if self.sync_loop is not None:
            self.sync_loop.wake()

    def sync_now(self) -> None:
        """Staff's "sync now": wake the background loop, or run one pass without it."""
        if self.sync_loop is not None:
            self.sync_loop.wake()
        else:
            self.sync_pass()

    @work(thread=True, exclusive=True, group="devices")
    def check_devices(self) -> None:
        self.services.hub.check()

    @work(thread=True, exclusive=True, group="sync")
    def sync_forever(self) -> None:
        """The background sync: passes, backoff and the connectivity monitor, until unmount."""
        assert self.sync_loop is not None
        self.sync_loop.run()

    @work(thread=True, exclusive=True, group="sync")
    def sync_pass(self) -> None:
        self._sync_reported(self.services.sync.sync_once())

    def _sync_reported(self, report: SyncReport) -> None:
        """On the sync thread: take up new reference data, then tell the UI."""
        if report.reference_updated:
            self.services.apply_reference()
        self.post_message(SyncFinished(report, self.services.outbox.summary()))

    def on_sync_finished(self, message: SyncFinished) -> None:
        link = self.services.link
        link.online = message.report.online
        link.queue = message.queue
