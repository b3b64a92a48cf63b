"""Journey B through the real screens against the embedded platform on loopback:
first come (a place and its code on the slip), lottery (registered, the draw time on
screen and slip), the platform's refusals in words, and "my reservation"."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import cast

import httpx

from contracts.clock import FakeClock
from contracts.platform_api import DocumentType, EntryRequest
from screens.app import KioskApp
from screens.reserve import ReserveChoiceScreen, ReserveIdentifyScreen, ReserveResultScreen
from tests.support.kiosk_driver import (
    mock_printer,
    mock_reader,
    on_screen,
    screen_text,
    slip_text,
    tap,
    until,
)
from tests.support.reservations import (
    choose,
    identify_for_round,
    make_round,
    my_reservation,
    open_rounds,
    reserve,
    take_card_and_go_home,
)
from wiring.assembly import Assembly

WELL = "身体健康"


def kiosk(assembly: Assembly) -> KioskApp:
    return KioskApp(assembly.api, sync_in_background=False)


async def test_first_come_allocates_and_prints_the_pickup_code(assembly: Assembly) -> None:
    open_rounds(assembly, make_round("fc-1", "first_come"))
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        home = screen_text(app)
        assert "先到先得" in home and "2030-06-30 14:00 截止" in home
        screen = await reserve(pilot, assembly, "fc-1", 0, "思明区", "鹭岛大药房（中山路店）",
                               "09:00-11:30", WELL)
        result = screen.result
        assert result.kind == "allocated" and result.pickup_code
        text = screen_text(app)
        assert "预约成功，已分配" in text and "鹭岛大药房（中山路店）" in text
        printer = mock_printer(assembly)
        await until(lambda: len(printer.jobs()) == 1)
        job = printer.jobs()[0].read_bytes()
        assert result.pickup_code.encode() in job  # the slip's QR code is the pickup code
        slip = slip_text(job)
        assert "已分配" in slip and result.reference in slip
        assert "张*" in slip and "310***********1230" in slip and "张伟" not in slip
        assert "09:00-11:30" in slip


async def test_lottery_registers_with_the_draw_time_on_screen_and_slip(
        assembly: Assembly) -> None:
    open_rounds(assembly, make_round("lot-1", "lottery"))
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await reserve(pilot, assembly, "lot-1", 0, "湖里区", "鹭岛大药房（江头店）",
                               "09:00-11:30", WELL)
        assert screen.result.kind == "entered"
        words = "已登记，尚未分配；抽签时间：2026-12-31 09:00。"
        assert words in screen_text(app)
        printer = mock_printer(assembly)
        await until(lambda: len(printer.jobs()) == 1)
        assert words in slip_text(printer.jobs()[0].read_bytes())


async def test_entering_twice_is_refused_and_nothing_changes(assembly: Assembly) -> None:
    open_rounds(assembly, make_round("lot-2", "lottery"))
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await reserve(pilot, assembly, "lot-2", 0, "集美区", "学村药店", "09:00-17:00", WELL)
        await take_card_and_go_home(pilot, assembly)
        screen = await reserve(pilot, assembly, "lot-2", 0, "集美区", "学村药店",
                               "09:00-17:00", WELL)
        assert screen.result.reason == "already_entered"
        assert "您已在本轮登记，本次没有改动任何内容。请勿重复提交。" in screen_text(app)
        await until(lambda: len(mock_printer(assembly).jobs()) == 1)  # only the first


async def test_sold_out_says_so(assembly: Assembly) -> None:
    open_rounds(assembly, make_round("fc-2", "first_come", quotas={"jm-01/all": 1}))
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        app.set_language("en")
        await until(lambda: "Start" in screen_text(app))
        await identify_for_round(pilot, assembly, "fc-2", 0)
        await tap(pilot, "#continue")
        await on_screen(pilot, ReserveChoiceScreen)
        choices = cast(ReserveChoiceScreen, app.screen)
        await until(lambda: choices.fetched)
        await choose(pilot, "集美区", "学村药店", "09:00-17:00")
        # Someone else takes the last place while this person is still choosing.
        other = EntryRequest(id="0b0e8f7a-1c2d-4e5f-8a9b-0c1d2e3f4a5b", round_id="fc-2",
                             document_type=DocumentType.RESIDENT_ID,
                             document_number="320102199207150625", slot="jm-01/all",
                             health="well")
        assert assembly.api.platform.enter(other).status == "allocated"
        await choose(pilot, "I am well")
        await tap(pilot, "#submit")
        await on_screen(pilot, ReserveResultScreen)
        screen = cast(ReserveResultScreen, app.screen)
        assert screen.result.reason == "sold_out"
        assert "Sold out: every place you chose has been taken." in screen_text(app)
        assert not mock_printer(assembly).jobs()  # nothing registered, nothing printed


async def test_not_eligible_is_said_with_why(assembly: Assembly) -> None:
    # Xiamen household registration or local social security: only the platform knows
    # who is insured, so the kiosk lets a Shanghai card through and the platform refuses.
    rule = {"residence_regions": ["3502"], "social_security": True}
    open_rounds(assembly, make_round("lot-3", "lottery", eligibility=rule))
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await reserve(pilot, assembly, "lot-3", 0, "思明区", "鹭岛大药房（中山路店）",
                               "14:00-17:00", WELL)
        assert screen.result.reason == "not_eligible"
        assert ("不符合条件：本轮仅限本地户籍（身份证号以 3502 开头）或仅限本地社保参保人员。"
                in screen_text(app))


async def test_the_document_decides_right_after_identification(assembly: Assembly) -> None:
    rule = {"residence_regions": ["3502"]}
    open_rounds(assembly, make_round("lot-4", "lottery", eligibility=rule),
                make_round("lot-5", "lottery", document_types=("resident_id",)))
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await tap(pilot, "#round-lot-4")
        await on_screen(pilot, ReserveIdentifyScreen)
        mock_reader(assembly).place(0)  # a Shanghai card
        await until(lambda: "不符合条件" in screen_text(app))
        assert not app.screen.query_one("#continue").display
        await take_card_and_go_home(pilot, assembly)
        await tap(pilot, "#round-lot-5")
        await on_screen(pilot, ReserveIdentifyScreen)
        mock_reader(assembly).place(5)  # a foreigner's card
        await until(lambda: "本事项不受理外国人永久居留身份证" in screen_text(app))
        assert not app.screen.query_one("#continue").display


async def test_a_winner_is_locked_out_until_a_date(assembly: Assembly) -> None:
    open_rounds(assembly, make_round("fc-4", "first_come"),
                make_round("lot-8", "lottery", lockout_days=10))
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        won = await reserve(pilot, assembly, "fc-4", 0, "集美区", "学村药店", "09:00-17:00", WELL)
        assert won.result.kind == "allocated"
        await take_card_and_go_home(pilot, assembly)
        screen = await reserve(pilot, assembly, "lot-8", 0, "集美区", "学村药店",
                               "09:00-17:00", WELL)
        assert screen.result.reason == "locked_out"
        # The demo platform keeps the kiosk's clock: the win was at its time.
        free = (assembly.api.clock.now() + timedelta(days=10)).date()
        assert f"您近期已中签：{free:%Y-%m-%d} 起可以再登记。" in screen_text(app)


async def test_health_declared_is_refused_with_advice(assembly: Assembly) -> None:
    open_rounds(assembly, make_round("lot-6", "lottery"))
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await reserve(pilot, assembly, "lot-6", 0, "思明区", "鹭岛大药房（中山路店）",
                               "09:00-11:30", "有发热或咳嗽")
        assert screen.result.reason == "health_declared"
        assert "请不要去药店" in screen_text(app)


async def test_my_reservation_lists_entries_and_codes(assembly: Assembly) -> None:
    # (No lockout in the lottery: the place won first does not keep this person out.)
    open_rounds(assembly, make_round("fc-3", "first_come"),
                make_round("lot-7", "lottery", lockout_days=0))
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        first = await reserve(pilot, assembly, "fc-3", 0, "思明区", "鹭岛大药房（中山路店）",
                              "09:00-11:30", WELL)
        await take_card_and_go_home(pilot, assembly)
        second = await reserve(pilot, assembly, "lot-7", 0, "湖里区", "鹭岛大药房（江头店）",
                               "09:00-11:30", WELL)
        await take_card_and_go_home(pilot, assembly)
        await my_reservation(pilot, assembly, 0)
        text = screen_text(app)
        assert f"{first.result.reference}：已分配，请取货" in text
        assert "已发取货码" in text
        assert f"{second.result.reference}：已登记，等待抽签" in text
        assert "抽签时间：2026-12-31 09:00" in text
        # A lost slip: the allocated entry's pickup code printed again.
        printer = mock_printer(assembly)
        printed = len(printer.jobs())
        await tap(pilot, "#print-0")
        await until(lambda: len(printer.jobs()) == printed + 1)
        job = printer.jobs()[-1].read_bytes()
        assert first.result.pickup_code.encode() in job
        assert first.result.reference in slip_text(job)


async def test_a_lottery_entry_through_commit_and_draw_shows_its_place(
        assembly: Assembly, clock: FakeClock) -> None:
    # Entered at the kiosk; the administration commits to a beacon round, then draws; the same
    # person's "my reservation" then shows the place won and its pickup code.
    open_rounds(assembly, make_round("lot-9", "lottery"))
    embedded = assembly.connection.embedded
    assert embedded is not None
    admin = {"Authorization": f"Bearer {embedded.enrol('admin', 'draw-desk')}"}
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        entered = await reserve(pilot, assembly, "lot-9", 0, "湖里区", "鹭岛大药房（江头店）",
                                "09:00-11:30", WELL)
        assert entered.result.kind == "entered"
        await take_card_and_go_home(pilot, assembly)

        def draw() -> dict[str, object]:
            base = f"{embedded.url}/api/v1/admin/rounds/lot-9/draws"
            # The demo draws with the local test beacon (docs/lottery.md); the round it
            # names comes out a minute after the commit.
            committed = httpx.post(base, json={"chain": "test"}, headers=admin,
                                   timeout=10).json()
            clock.advance(90)
            drawn: dict[str, object] = httpx.post(
                f"{base}/{committed['number']}/beacon", json={}, headers=admin,
                timeout=10).json()
            return drawn

        record = await asyncio.to_thread(draw)
        assert record["number"] == 1
        await my_reservation(pilot, assembly, 0)
        assert f"{entered.result.reference}：已分配，请取货" in screen_text(app)
        assert "已发取货码" in screen_text(app)


async def test_a_double_tap_chooses_once(assembly: Assembly) -> None:
    open_rounds(assembly, make_round("lot-9", "lottery"))
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await identify_for_round(pilot, assembly, "lot-9", 0)
        where = app.screen.query_one("#continue").region
        await tap(pilot, "#continue")
        # The second tap lands where "next" was, on the next screen.
        await pilot.click(offset=(where.x + where.width // 2, where.y + 1))
        await on_screen(pilot, ReserveChoiceScreen)
        screen = cast(ReserveChoiceScreen, app.screen)
        await tap(pilot, "#opt-0")  # a district...
        await pilot.click("#opt-0")  # ...and the second tap of a double tap
        await until(lambda: "请选择取货药店" in screen_text(app))
        await until(lambda: not app.screen.query_one("#opt-0").disabled)
        assert list(screen.draft.picked.values()) == ["思明区"]
