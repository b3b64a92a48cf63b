"""The idle timeout with a fake clock: warning, extension, reset that wipes personal data."""

from __future__ import annotations

import threading

import pytest
from textual.widgets import Digits

from contracts.clock import FakeClock
from devices.printer import SlipPrinter
from devices.status import DeviceStatus
from kiosk.idle import IdleMonitor, IdleState
from screens.app import KioskApp
from screens.confirm import ConfirmScreen
from screens.done import DoneScreen
from screens.form import FormScreen
from screens.home import HomeScreen
from screens.identify import IdentifyScreen
from screens.idle_warning import IdleWarning
from tests.support.kiosk_driver import (
    mock_printer,
    mock_reader,
    on_screen,
    screen_text,
    until,
)
from wiring.assembly import Assembly


def test_monitor_warns_then_expires() -> None:
    clock = FakeClock()
    idle = IdleMonitor(clock, timeout_s=120, warning_s=30)
    clock.advance(89)
    assert idle.status().state is IdleState.ACTIVE
    clock.advance(2)
    status = idle.status()
    assert status.state is IdleState.WARNING and status.seconds_left == 29
    idle.touch()
    assert idle.status().state is IdleState.ACTIVE
    clock.advance(120)
    assert idle.status().state is IdleState.EXPIRED


def test_monitor_pause_holds_the_countdown() -> None:
    clock = FakeClock()
    idle = IdleMonitor(clock, timeout_s=60, warning_s=30)
    idle.pause()
    clock.advance(600)
    assert idle.status().state is IdleState.ACTIVE
    idle.resume()  # the full timeout starts again from the end of the pause
    clock.advance(59)
    assert idle.status().state is IdleState.WARNING
    clock.advance(1)
    assert idle.status().state is IdleState.EXPIRED


@pytest.mark.parametrize("warning", [10, 29, 120])
def test_monitor_refuses_a_short_warning(warning: int) -> None:
    with pytest.raises(ValueError):
        IdleMonitor(FakeClock(), timeout_s=120, warning_s=warning)


async def reach_form(app: KioskApp, assembly: Assembly, pilot) -> None:
    await on_screen(pilot, HomeScreen)
    await pilot.press("1")
    await on_screen(pilot, IdentifyScreen)
    mock_reader(assembly).place(0)
    await until(lambda: "310***********1230" in screen_text(app))
    await pilot.press("enter")
    await on_screen(pilot, FormScreen)


async def test_idle_warning_extend_then_reset_wipes_personal_data(
    assembly: Assembly, clock: FakeClock
) -> None:
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await reach_form(app, assembly, pilot)
        assert app.session.identity is not None

        clock.advance(assembly.config.idle.timeout_s - 20)
        app.idle_tick()
        await on_screen(pilot, IdleWarning)
        assert "您还在办理吗" in screen_text(app)

        await pilot.press("space")  # any key extends, and only extends
        await on_screen(pilot, FormScreen)
        assert app.session.identity is not None

        clock.advance(assembly.config.idle.timeout_s - 10)
        app.idle_tick()
        await on_screen(pilot, IdleWarning)
        clock.advance(11)
        app.idle_tick()
        await on_screen(pilot, HomeScreen)

        assert not app.session.holds_personal_data
        assert app.session.item is None
        # No screen that showed the person is left anywhere in the stack.
        assert [type(s) for s in app.screen_stack[1:]] == [HomeScreen]
        assert "张*" not in screen_text(app) and "1230" not in screen_text(app)


async def test_the_warning_comes_at_least_30_s_before_reset(
    assembly: Assembly, clock: FakeClock
) -> None:
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await reach_form(app, assembly, pilot)
        clock.advance(assembly.config.idle.timeout_s - 30)
        app.idle_tick()
        await on_screen(pilot, IdleWarning)
        warning = app.screen
        assert isinstance(warning, IdleWarning)
        assert warning.seconds_left == 30


async def test_a_tick_before_the_warning_has_composed(
    assembly: Assembly, clock: FakeClock
) -> None:
    """Found by the monkey test: the next tick set the countdown of a warning that had
    not composed yet (a loaded machine) and raised NoMatches in the app's own timer."""
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await reach_form(app, assembly, pilot)
        clock.advance(assembly.config.idle.timeout_s - 20)
        app.idle_tick()  # pushes the warning
        clock.advance(1)
        app.idle_tick()  # and the next tick, in the same frame
        await on_screen(pilot, IdleWarning)
        assert app.screen.query_one("#countdown", Digits).value == "19"


class BlockingPrinter:
    """The kiosk's printer, holding each job until the test lets it go."""

    def __init__(self, inner: SlipPrinter) -> None:
        self.inner = inner
        self.paper_mm = inner.paper_mm
        self.native_qr = inner.native_qr
        self.release = threading.Event()
        self.started = threading.Event()

    def print_job(self, data: bytes) -> None:
        self.started.set()
        self.release.wait(10)
        self.inner.print_job(data)

    def status(self) -> DeviceStatus:
        return self.inner.status()

    def check(self) -> DeviceStatus:
        return self.inner.check()

    def close(self) -> None:
        self.inner.close()


async def submit_while_printer_holds(
    app: KioskApp, assembly: Assembly, pilot, printer: BlockingPrinter
) -> None:
    await reach_form(app, assembly, pilot)
    await pilot.press("enter")  # purpose: the form's one choice, so on to confirm
    await on_screen(pilot, ConfirmScreen)
    await pilot.press("enter")  # submit
    await on_screen(pilot, DoneScreen)
    await until(printer.started.is_set)


async def test_no_reset_while_the_slip_prints(assembly: Assembly, clock: FakeClock) -> None:
    printer = BlockingPrinter(assembly.hub.printer)
    assembly.hub.printer = printer
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await submit_while_printer_holds(app, assembly, pilot, printer)

        clock.advance(assembly.config.idle.timeout_s * 5)
        app.idle_tick()
        await pilot.pause()
        assert isinstance(app.screen, DoneScreen)  # printing: no warning, no reset

        printer.release.set()
        await until(lambda: "凭条已打印" in screen_text(app))
        clock.advance(assembly.config.idle.timeout_s + 1)
        app.idle_tick()
        await on_screen(pilot, HomeScreen)
        assert not app.session.holds_personal_data


async def test_moving_on_while_the_slip_prints_still_releases_the_timer(
    assembly: Assembly, clock: FakeClock
) -> None:
    printer = BlockingPrinter(assembly.hub.printer)
    assembly.hub.printer = printer
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await submit_while_printer_holds(app, assembly, pilot, printer)
        # Rating waits for the slip; going home does not, and a person may.
        assert app.screen.query_one("#rate-5").disabled
        await pilot.press("escape")
        await on_screen(pilot, HomeScreen)
        assert app.api.idle.paused
        printer.release.set()
        await until(lambda: not app.api.idle.paused)
        assert len(mock_printer(assembly).jobs()) == 1
        assert not app.session.holds_personal_data


async def test_the_next_visitor_gets_chinese_and_normal_mode_again(
    assembly: Assembly, clock: FakeClock
) -> None:
    """English and elder mode belong to one visit (issue 13, item 7)."""
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        app.set_elder_mode(True)
        app.set_language("en")
        await until(lambda: "Start" in screen_text(app))
        await pilot.press("1")  # in elder mode: pension qualification certification
        await on_screen(pilot, IdentifyScreen)
        mock_reader(assembly).place(1)  # 李秀英, 76
        await until(lambda: "310***********2441" in screen_text(app))
        await pilot.press("enter")
        await on_screen(pilot, FormScreen)
        assert app.t.lang == "en" and app.elder
        clock.advance(2 * assembly.config.idle.timeout_s + 1)  # elder mode: twice the time
        app.idle_tick()
        await on_screen(pilot, HomeScreen)
        assert app.t.lang == "zh-CN" and not app.elder and not app.has_class("-elder")
        assert app.api.idle.timeout_s == assembly.config.idle.timeout_s
        assert "开始办理" in screen_text(app) and "长者模式：关" in screen_text(app)
