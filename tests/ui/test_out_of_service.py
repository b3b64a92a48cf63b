"""Out of service on screen (issue 18): the home screen greys what is out, says why and
where to go, and starts no journey for it; the printer running out of paper takes the
slip services out and loading paper brings them back; the whole kiosk out is one large
screen with the staff's way in still there; staff pause and resume from their screen."""

from __future__ import annotations

from typing import cast

from textual.widgets import Button, Input

from devices.printer.status import PrinterState
from screens.app import KioskApp
from screens.catalog import CatalogScreen
from screens.home import HomeScreen
from screens.service_staff import ServiceStaffScreen
from screens.staff import StaffScreen
from tests.support.kiosk_driver import (
    mock_printer,
    on_screen,
    screen_text,
    shows,
    staff_sign_in,
    tap,
    until,
)
from wiring.assembly import Assembly

ITEM = "marriage-record-proof"  # 1 on the hot list


def out_buttons(app: KioskApp) -> set[str]:
    return {b.id or "" for b in app.screen.query("Button.-out").results(Button)}


async def test_a_paused_service_is_greyed_said_and_not_started(assembly: Assembly) -> None:
    api = assembly.api
    api.put_out_of_service(ITEM, "maintenance", note="form changes on Monday")
    app = KioskApp(api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        assert out_buttons(app) == {f"hot-{ITEM}"}
        label = str(app.screen.query_one(f"#hot-{ITEM}", Button).label)
        assert "婚姻登记记录证明（暂停）" in label
        text = screen_text(app)
        assert "婚姻登记记录证明：设备正在维护，暂停办理" in text
        assert "请到本网点（建设银行上海徐汇支行）柜台办理" in text
        assert "仍可办理：凭码取件、查询办理进度、我的预约" in text
        assert "form changes" not in text  # staff's note is not for citizens

        await pilot.press("1")  # the hot key of the paused service
        await until(lambda: any("民政" in str(n.message) for n in app._notifications))
        assert isinstance(app.screen, HomeScreen) and app.session.item is None

        # Nor from the list of all services.
        await tap(pilot, "#start")
        await on_screen(pilot, CatalogScreen)
        assert f"item-{ITEM}" in out_buttons(app)
        await tap(pilot, f"#item-{ITEM}")
        assert isinstance(app.screen, CatalogScreen) and app.session.item is None
        await tap(pilot, "#item-provident-fund-deposit-statement")  # one that works
        await until(lambda: app.session.item is not None)


async def test_paper_out_pauses_the_slip_services_and_paper_resumes_them(
        assembly: Assembly) -> None:
    api = assembly.api
    app = KioskApp(api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        assert not out_buttons(app)
        mock_printer(assembly).set_state(PrinterState.PAPER_OUT)
        app.check_devices()  # the periodic probe, now
        await until(lambda: bool(app.screen.query("#service-notice.-shown")))
        count = len(api.catalog.items)
        await until(shows(app, f"社会保险缴费证明 等 {count} 项：凭条打印纸用完了，暂停办理"))
        await until(lambda: f"hot-{ITEM}" in out_buttons(app))
        assert "pickup" not in out_buttons(app)  # prints nothing
        outage = api.service_out(ITEM)
        assert outage is not None and (outage.by, outage.reason) == ("auto", "no_paper")
        stored = api.kiosk_state.devices() if api.kiosk_state is not None else {}
        assert stored["printer"].state == "fault"

        mock_printer(assembly).load_paper()
        app.check_devices()
        await until(lambda: not app.screen.query("#service-notice.-shown"))
        assert not out_buttons(app) and api.outages() == []


async def test_the_whole_kiosk_out_is_one_screen_and_staff_still_come_in(
        assembly: Assembly) -> None:
    api = assembly.api
    api.put_out_of_service("*", "maintenance")
    app = KioskApp(api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        await until(lambda: bool(app.screen.query("#out-of-service")))
        assert not app.screen.query("#start") and not app.screen.query("#hot")
        text = screen_text(app)
        assert "本机暂停服务" in text and "原因：设备正在维护" in text
        assert "请到本网点（建设银行上海徐汇支行）柜台办理" in text
        await pilot.press("1")  # no hot list to start anything from
        assert app.session.item is None

        await tap(pilot, "#oos-lang")
        await until(shows(app, "This kiosk is out of service"))
        await until(shows(app, "the kiosk is being serviced"))

        await staff_sign_in(pilot)  # F12 and the PIN, as ever
        assert isinstance(app.screen, StaffScreen)


async def test_staff_pause_the_kiosk_and_resume_it(assembly: Assembly) -> None:
    api = assembly.api
    app = KioskApp(api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        await staff_sign_in(pilot)
        await tap(pilot, "#staff-outages")
        await on_screen(pilot, ServiceStaffScreen)
        await until(shows(app, "所有服务正常"))

        await tap(pilot, "#outage-put")  # nothing chosen yet
        await until(shows(app, "请先选择服务和原因"))
        await tap(pilot, "#svc-0")  # the whole kiosk
        await tap(pilot, "#reason-maintenance")
        assert str(app.screen.query_one("#svc-0", Button).label).startswith("✔")
        app.screen.query_one("#outage-note", Input).value = "glass being replaced"
        await tap(pilot, "#outage-put")
        await until(shows(app, "已暂停：整台终端"))
        await until(shows(app, "备注：glass being replaced"))
        (outage,) = api.outages()
        assert (outage.service, outage.reason, outage.by, outage.note) == (
            "*", "maintenance", "staff", "glass being replaced")
        assert api.kiosk_state is not None and api.kiosk_state.outages() == [outage]

        await pilot.press("escape")  # back to the staff screen
        await on_screen(pilot, StaffScreen)
        await tap(pilot, "#staff-leave")
        await on_screen(pilot, HomeScreen)
        await until(lambda: bool(app.screen.query("#out-of-service")))

        await staff_sign_in(pilot)
        await tap(pilot, "#staff-outages")
        await on_screen(pilot, ServiceStaffScreen)
        await tap(pilot, "#svc-0")
        await tap(pilot, "#outage-back")
        await until(shows(app, "已恢复：整台终端"))
        assert api.outages() == []
        await tap(pilot, "#staff-cancel")
        await on_screen(pilot, StaffScreen)
        await tap(pilot, "#staff-leave")
        await on_screen(pilot, HomeScreen)
        await until(lambda: bool(app.screen.query("#start")))


async def test_a_device_pause_is_not_staffs_to_lift(assembly: Assembly) -> None:
    api = assembly.api
    mock_printer(assembly).set_state(PrinterState.COVER_OPEN)
    app = KioskApp(api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        app.check_devices()
        await until(lambda: api.service_out(ITEM) is not None)
        await staff_sign_in(pilot)
        await tap(pilot, "#staff-outages")
        await on_screen(pilot, ServiceStaffScreen)
        await until(shows(app, "设备故障，自动暂停"))
        index = next(i for i, b in enumerate(app.screen.query(".outage-service")
                                             .results(Button)) if b.name == ITEM)
        await tap(pilot, f"#svc-{index}")
        await tap(pilot, "#outage-back")
        await until(shows(app, "设备恢复后自动解除"))
        assert cast(str, api.service_out(ITEM).reason) == "printer_down"  # type: ignore[union-attr]
        mock_printer(assembly).set_state(PrinterState.READY)
