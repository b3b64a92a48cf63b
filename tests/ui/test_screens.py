"""Each screen's own behaviour: what a person sees for right and wrong input."""

from __future__ import annotations

from textual.widgets import Button, Input, RadioSet

from devices.printer import PrinterState
from screens.app import KioskApp
from screens.catalog import CatalogScreen
from screens.confirm import ConfirmScreen
from screens.form import FormScreen
from screens.home import HomeScreen
from screens.rating import RatingScreen
from tests.support.kiosk_driver import (
    apply_to_done,
    mock_printer,
    on_screen,
    refused_by_answer,
    screen_text,
    slip_text,
    tap,
    to_identify,
    until,
)
from wiring.assembly import Assembly


def kiosk(assembly: Assembly) -> KioskApp:
    return KioskApp(assembly.api, sync_in_background=False)


async def test_home_offers_elder_mode_and_english(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        assert len(app.screen.query("#hot Button")) == 6
        normal_height = app.screen.query_one("#hot Button").outer_size.height
        await tap(pilot, "#elder-toggle")
        await on_screen(pilot, HomeScreen)
        assert app.elder and app.has_class("-elder")
        assert len(app.screen.query("#hot Button")) == 6  # keys 1-6 keep working
        assert app.api.idle.timeout_s == 2 * assembly.config.idle.timeout_s  # generous time
        assert "长者模式：开" in screen_text(app)
        assert app.screen.query_one("#hot Button").outer_size.height > normal_height
        await tap(pilot, "#lang-toggle")
        await until(lambda: "Start · All services" in screen_text(app))
        assert "Pension qualification certification" in screen_text(app)
        await tap(pilot, "#lang-toggle")
        await until(lambda: "开始办理" in screen_text(app))


async def test_catalog_categories_and_search(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        await tap(pilot, "#start")
        await on_screen(pilot, CatalogScreen)
        total = len(assembly.api.catalog.items)
        assert len(app.screen.query("#items Button")) == total
        await tap(pilot, "#cat-enterprise")
        await until(lambda: len(app.screen.query("#items Button")) == len(
            [i for i in assembly.api.catalog.items if i.category == "enterprise"]))
        await tap(pilot, "#cat-all")
        app.screen.query_one("#search", Input).focus()
        await pilot.press(*"公积金")
        await until(lambda: "共 3 项" in screen_text(app) or "共 4 项" in screen_text(app))
        assert all("公积金" in str(b.label)
                   for b in app.screen.query("#items Button").results(Button))
        await pilot.press(*"火星")
        await until(lambda: "没有找到相关事项" in screen_text(app))
        await tap(pilot, "#home")
        await on_screen(pilot, HomeScreen)


async def test_manual_entry_says_exactly_what_is_wrong(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_identify(pilot, "provident-fund-deposit-statement")
        await tap(pilot, "#show-manual")
        name = app.screen.query_one("#manual-name", Input)
        id_box = app.screen.query_one("#manual-id", Input)
        assert app.focused is name
        await pilot.press(*"王1")
        id_box.focus()
        await pilot.press(*"31010419850612123")
        assert screen_text(app).count("身份证号码") >= 1
        assert "应为18位" not in screen_text(app)  # not finished yet: no error while typing
        await pilot.press("9")  # wrong check digit
        await until(lambda: "校验位不符" in screen_text(app))
        await tap(pilot, "#manual-submit")
        await until(lambda: "姓名只能包含汉字" in screen_text(app))
        assert app.focused is name
        name.value = "王芳"
        id_box.value = "310104198513121230"  # month 13
        await tap(pilot, "#manual-submit")
        await until(lambda: "出生日期（第7至14位）不正确" in screen_text(app))
        id_box.value = "310104198506121230"
        await tap(pilot, "#manual-submit")
        await until(lambda: "已识别（手动输入）：王*" in screen_text(app))
        await tap(pilot, "#continue")
        await on_screen(pilot, FormScreen)
        identity = app.session.identity
        assert identity is not None and identity.source == "manual"


async def test_qr_identifies_an_e_id_and_refuses_other_codes(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_identify(pilot, "marriage-record-proof")
        await tap(pilot, "#sim-junk")
        await until(lambda: "这不是本机可识别的二维码" in screen_text(app))
        assert not app.screen.query_one("#identified").display
        await tap(pilot, "#sim-eid")
        await until(lambda: "已识别（电子证照）：张*" in screen_text(app))


async def test_form_checks_every_field_before_going_on(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_identify(pilot, "birth-registration")
        await tap(pilot, "#sim-card-1")
        await until(lambda: app.screen.query_one("#identified").display)
        await tap(pilot, "#continue")
        await on_screen(pilot, FormScreen)
        await tap(pilot, "#next")  # nothing filled in
        await until(lambda: screen_text(app).count("此项必填") == 3)
        assert isinstance(app.screen, FormScreen)
        date_box = app.screen.query_one("#field-due_date", Input)
        date_box.value = "2026-02-30"
        phone = app.screen.query_one("#field-phone", Input)
        phone.value = "12812341234"
        await tap(pilot, "#next")
        await until(lambda: "这个日期不存在" in screen_text(app)
                    and "以13至19开头" in screen_text(app))
        date_box.value = "20261201"
        phone.value = "13812341234"
        await pilot.click(app.screen.query_one("#field-child_order", RadioSet).children[0])
        await tap(pilot, "#next")
        await on_screen(pilot, ConfirmScreen)
        assert app.session.answers["due_date"] == "2026-12-01"
        assert "138****1234" in screen_text(app)


async def test_refusal_says_why_on_screen_and_slip(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        # An answer refuses (what the card decides is said before the form): no medical check.
        await refused_by_answer(app, pilot)
        item = assembly.api.catalog.get("driving-licence-renewal")
        reason = item.instant_rules[0].reason_zh
        assert "未能通过" in screen_text(app) and reason in screen_text(app)
        await until(lambda: "凭条已打印" in screen_text(app))
        slip = mock_printer(assembly).jobs()[-1].read_bytes()
        assert reason in slip_text(slip)


async def test_paper_out_keeps_the_reference_and_tells_the_person(assembly: Assembly) -> None:
    mock_printer(assembly).set_state(PrinterState.PAPER_OUT)
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await apply_to_done(app, pilot, "marriage-record-proof", 0)
        await until(lambda: "凭条未能打印（缺纸）" in screen_text(app))
        assert "XH-CCB-0001-000001" in screen_text(app)
        await until(lambda: "✖ 打印机 缺纸" in screen_text(app))  # the status bar: symbol, word
        assert mock_printer(assembly).jobs() == []
        assert assembly.store.outbox.summary().pending == 1  # the application itself is safe


async def test_offline_submission_is_marked_on_screen_and_slip(assembly: Assembly) -> None:
    assembly.api.sync_status.online = False
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await apply_to_done(app, pilot, "marriage-record-proof", 0)
        assert "网络暂时中断" in screen_text(app)
        await until(lambda: "凭条已打印" in screen_text(app))
        slip = mock_printer(assembly).jobs()[-1].read_bytes()
        assert "离线受理 待确认".encode("gb18030") in slip


async def test_a_bad_review_needs_a_reason(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await apply_to_done(app, pilot, "marriage-record-proof", 0)
        await until(lambda: not app.screen.query_one("#rate-1").disabled)
        await pilot.press("1")  # the level's number key, as its tap
        await on_screen(pilot, RatingScreen)
        assert app.screen.query_one("#reasons").display
        assert str(app.screen.query_one("#rate-1", Button).label).startswith("✔")
        await tap(pilot, "#submit")
        await until(lambda: "差评需要选择一个原因" in screen_text(app))
        assert assembly.store.outbox.summary().pending == 1  # no rating written yet
        await pilot.click(app.screen.query_one("#reason", RadioSet).children[1])
        await tap(pilot, "#submit")
        await on_screen(pilot, HomeScreen)
        await until(lambda: assembly.store.outbox.summary().pending == 2)
        rows = assembly.store.outbox.claim(10)
        assert rows[1].payload["score"] == 1 and rows[1].payload["reason"] == "complicated"


async def test_status_bar_shows_the_platform_link(assembly: Assembly) -> None:
    app = KioskApp(assembly.api)  # background sync on: the embedded platform answers
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        await until(lambda: "● 已联网" in screen_text(app))
        assert "待上传 0" in screen_text(app)


async def test_a_reservation_says_registered_not_allocated(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await apply_to_done(app, pilot, "mask-reservation", 0)
        shown = screen_text(app)
        assert "已登记，尚未分配" in shown and "办理成功" not in shown
        await until(lambda: "凭条已打印" in screen_text(app))
        slip = slip_text(mock_printer(assembly).jobs()[-1].read_bytes())
        assert "已登记，尚未分配" in slip and "已通过" not in slip
