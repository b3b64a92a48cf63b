"""Journey D through the real lookup screen against the embedded platform on loopback:
the platform's timeline by reference, changing as staff move the case; the cases of the
person whose ID card is on the reader; offline, the last known state with its date."""

from __future__ import annotations

import asyncio

from textual.pilot import Pilot
from textual.widgets import Input

from screens.app import KioskApp
from screens.home import HomeScreen
from screens.lookup import LookupScreen
from tests.support.cases import SITE, WINDOW, cut_link, move_case, staff_token
from tests.support.kiosk_driver import (
    apply_to_done,
    mock_reader,
    on_screen,
    screen_text,
    shows,
    tap,
    until,
)
from wiring.assembly import Assembly


def kiosk(assembly: Assembly) -> KioskApp:
    return KioskApp(assembly.api, sync_in_background=False)


def result(app: KioskApp) -> str:
    return str(app.screen.query_one("#lookup-result").render())


async def applied(app: KioskApp, pilot: Pilot[None], item_id: str, card: int = 0) -> str:
    if not isinstance(app.screen, HomeScreen):
        await tap(pilot, "#home")
    await apply_to_done(app, pilot, item_id, card)
    submission = app.session.submission
    assert submission is not None
    app.reset_session()
    await on_screen(pilot, HomeScreen)
    return submission.reference


async def search(app: KioskApp, pilot: Pilot[None], reference: str) -> None:
    if not isinstance(app.screen, LookupScreen):
        await tap(pilot, "#lookup")
        await on_screen(pilot, LookupScreen)
    app.screen.query_one("#reference", Input).value = reference
    app.screen.query_one("#lookup-result").display = False
    await tap(pilot, "#search")
    await until(lambda: bool(app.screen.query_one("#lookup-result").display))


async def test_progress_by_reference_follows_staff_moving_the_case(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        reference = await applied(app, pilot, "social-security-card-loss", 1)
        await asyncio.to_thread(assembly.api.sync_once)
        await search(app, pilot, reference)
        assert "▶" in result(app) and "已受理" in result(app)
        assert "可以取件" not in result(app)

        token = staff_token(assembly)
        await asyncio.to_thread(move_case, assembly, token, reference, "reviewing")
        await search(app, pilot, reference)
        await until(lambda: "▶" in result(app) and "审核中" in result(app))
        assert result(app).index("已受理") < result(app).index("审核中")

        await asyncio.to_thread(move_case, assembly, token, reference, "approved")
        await asyncio.to_thread(move_case, assembly, token, reference, "ready_for_pickup",
                                site=SITE, window=WINDOW)
        await search(app, pilot, reference)
        text = result(app)
        assert "▶" in text.split("可以取件")[0].splitlines()[-1]  # the latest step is marked
        assert f"取件地点：{SITE}" in text and f"取件时间：{WINDOW}" in text
        assert "GKP1." not in screen_text(app)  # the code itself is never shown here


async def test_a_refusal_says_why(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        reference = await applied(app, pilot, "social-security-card-loss", 1)
        await asyncio.to_thread(assembly.api.sync_once)
        await asyncio.to_thread(move_case, assembly, staff_token(assembly), reference,
                                "refused", reason="缺少户籍证明")
        await search(app, pilot, reference)
        assert "未通过（缺少户籍证明）" in result(app)


async def test_progress_by_id_card_lists_that_persons_cases(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        first = await applied(app, pilot, "marriage-record-proof", 0)
        second = await applied(app, pilot, "social-security-card-loss", 0)
        other = await applied(app, pilot, "marriage-record-proof", 1)
        await asyncio.to_thread(assembly.api.sync_once)
        await tap(pilot, "#lookup")
        await on_screen(pilot, LookupScreen)
        mock_reader(assembly).place(0)
        await until(lambda: "的办件，共 2 件" in result(app))
        text = result(app)
        assert "张* 的办件" in text
        assert text.index(second) < text.index(first)  # newest first
        assert other not in text
        assert "张伟" not in screen_text(app) and "1230" not in screen_text(app)


async def test_offline_the_last_known_state_with_its_date(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        known = await applied(app, pilot, "social-security-card-loss", 1)
        await asyncio.to_thread(assembly.api.sync_once)
        await asyncio.to_thread(move_case, assembly, staff_token(assembly), known, "reviewing")
        await search(app, pilot, known)  # the platform answers; the kiosk keeps the answer
        unsent = await applied(app, pilot, "marriage-record-proof", 0)
        cut_link(assembly)

        await search(app, pilot, known)
        await until(shows(app, "网络暂时中断：以下是本机的记录"))
        assert "2026-11-23 09:30 从政务平台获取的最后状态" in screen_text(app)
        assert "审核中" in result(app)

        await search(app, pilot, unsent)
        await until(shows(app, "本机的记录（政务平台还没有这份办件的进度）"))
        assert "等待上传到政务平台" in result(app)

        mock_reader(assembly).place(0)
        await until(shows(app, "现在无法按身份证查询"))
