"""Journey C through the real pickup screen against the embedded platform on loopback:
redeemed once online, a second showing says when and where; offline, goods only where
the code's item allows offline redemption (queued, and refused here the second time);
a kiosk without the platform's keys says "cannot check here now", never "forged"."""

from __future__ import annotations

import asyncio

from textual.pilot import Pilot

from contracts.clock import FakeClock
from offline_cache.outbox import State
from screens.app import KioskApp
from screens.home import HomeScreen
from screens.pickup import PickupScreen
from tests.support.cases import (
    cache_rounds,
    cut_link,
    make_ready,
    mask_code,
    pickup_attempts,
    redeem_as_staff,
    round_for,
    show_again,
    staff_token,
)
from tests.support.kiosk_driver import (
    apply_to_done,
    mock_camera,
    on_screen,
    screen_text,
    shows,
    tap,
    until,
)
from wiring.assembly import Assembly


def kiosk(assembly: Assembly) -> KioskApp:
    return KioskApp(assembly.api, sync_in_background=False)


async def open_pickup(pilot: Pilot[None]) -> None:
    await on_screen(pilot, HomeScreen)
    await tap(pilot, "#pickup")
    await on_screen(pilot, PickupScreen)


async def case_ready_for_pickup(app: KioskApp, pilot: Pilot[None], assembly: Assembly) -> str:
    """Apply at the kiosk, sync, and have staff make the case ready: its pickup code."""
    await apply_to_done(app, pilot, "marriage-record-proof", 0)
    submission = app.session.submission
    assert submission is not None
    await asyncio.to_thread(assembly.api.sync_once)
    code = await asyncio.to_thread(make_ready, assembly, staff_token(assembly),
                                   submission.reference)
    app.reset_session()
    return code


def redemptions(assembly: Assembly) -> list[tuple[str, str]]:
    db = assembly.store.connections[0]
    return [(r["reference"], r["state"]) for r in db.execute(
        "SELECT reference, state FROM outbox WHERE kind = 'redemption'").fetchall()]


async def test_redeemed_once_online_then_a_second_showing_says_when_and_where(
        assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        code = await case_ready_for_pickup(app, pilot, assembly)
        await open_pickup(pilot)
        mock_camera(assembly).show(code)
        await until(shows(app, "取件成功 ✔ 这个取件码已使用"))
        text = screen_text(app)
        assert "婚姻登记记录证明" in text and "徐汇区漕溪北路88号 办事窗口" in text
        assert "下一步：请到 徐汇区漕溪北路88号 办事窗口 取件，时间 工作日 9:00-17:00" in text
        assert "离线" not in text

        await show_again(assembly, code)
        await until(shows(app, "这个取件码已经用过了"))
        text = screen_text(app)
        assert "在本机（建设银行上海徐汇支行）取走" in text
        assert "下一步：如有疑问，请咨询工作人员" in text
        assert redemptions(assembly) == []  # the platform redeemed it: nothing queued
        attempts = await asyncio.to_thread(pickup_attempts, assembly, staff_token(assembly),
                                           code)
        assert [(a["outcome"], a["reason"]) for a in attempts] == [
            ("redeemed", ""), ("refused", "already_redeemed")]


async def test_a_code_collected_elsewhere_names_no_one(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        code = await case_ready_for_pickup(app, pilot, assembly)
        answer = await asyncio.to_thread(redeem_as_staff, assembly, staff_token(assembly), code)
        assert answer["status"] == "redeemed"
        await open_pickup(pilot)
        mock_camera(assembly).show(code)
        await until(shows(app, "在其他自助机或窗口取走"))
        assert "desk-1" not in screen_text(app)


async def test_a_genuine_code_the_platform_never_issued_is_refused(assembly: Assembly,
                                                                 clock: FakeClock) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_pickup(pilot)
        mock_camera(assembly).show(mask_code(assembly, "R-NEVER0ISSUED", clock.now()))
        await until(shows(app, "政务平台没有签发过这个取件码"))
        assert "口罩预约登记" in screen_text(app)


async def test_offline_with_offline_redemption_queues_it_and_refuses_a_second_showing(
        assembly: Assembly, clock: FakeClock) -> None:
    cache_rounds(assembly, round_for("mask-reservation", True, clock.now()))
    code = mask_code(assembly, "R-0FF11NE00001", clock.now())
    cut_link(assembly)
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_pickup(pilot)
        mock_camera(assembly).show(code)
        await until(shows(app, "取件成功 ✔ 网络暂时中断：本机已记录这次取件"))
        assert "下一步：请到 徐汇区漕溪北路88号 益丰大药房 取件" in screen_text(app)
        assert redemptions(assembly) == [("R-0FF11NE00001", State.PENDING)]
        payload = assembly.store.outbox.claim(10)[0].parsed_payload()
        assert getattr(payload, "code", None) == code

        await show_again(assembly, code)
        await until(shows(app, "这个取件码已经用过了"))
        text = screen_text(app)
        assert "在本机（建设银行上海徐汇支行）取走" in text and "（本机离线核验）" in text
        assert len(redemptions(assembly)) == 1


async def test_offline_without_offline_redemption_hands_nothing_over(
        assembly: Assembly, clock: FakeClock) -> None:
    # Two rounds for the item, one of them forbids it: the code may be that round's.
    cache_rounds(assembly, round_for("mask-reservation", True, clock.now(), "a"),
                 round_for("mask-reservation", False, clock.now(), "b"))
    cut_link(assembly)
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_pickup(pilot)
        mock_camera(assembly).show(mask_code(assembly, "R-0FF11NE00002", clock.now()))
        await until(shows(app, "取件码真实有效，但网络暂时中断"))
        text = screen_text(app)
        assert "下一步：请稍后再试，或请工作人员帮助" in text and "口罩预约登记" in text
        assert redemptions(assembly) == []


async def test_offline_a_forged_code_is_still_forged(assembly: Assembly) -> None:
    cut_link(assembly)
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_pickup(pilot)
        await tap(pilot, "#sim-pickup-altered")
        await until(shows(app, "内容被改动过"))
        assert "（本机离线核验）" in screen_text(app)
        assert not app.screen.query_one("#pickup-details").display


async def test_a_kiosk_without_the_keys_cannot_check_offline_and_asks_the_platform_online(
        assembly: Assembly, clock: FakeClock) -> None:
    assembly.api.fixed_pickup_keys = {}  # never fetched the platform's keys
    assembly.api.apply_reference()
    assert assembly.api.pickup_keys == {}
    cache_rounds(assembly, round_for("mask-reservation", True, clock.now()))
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        code = await case_ready_for_pickup(app, pilot, assembly)
        await open_pickup(pilot)
        # Online the platform checks the code itself.
        mock_camera(assembly).show(code)
        await until(shows(app, "取件成功 ✔ 这个取件码已使用"))

        cut_link(assembly)
        mock_camera(assembly).show(mask_code(assembly, "R-N0KEYS000001", clock.now()))
        await until(shows(app, "本机现在无法核验这个取件码"))
        text = screen_text(app)
        assert "不是政务平台签发的" not in text
        assert redemptions(assembly) == []
