"""The identify screen through the real driver and the pty mock reader, and the staff
screen that drives the mock: what a person sees for each card and each fault."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from textual.widgets import Input, Static

from contracts.clock import FakeClock
from screens.app import KioskApp
from screens.done import DoneScreen
from screens.form import FormScreen
from screens.home import HomeScreen
from screens.staff import StaffScreen
from screens.staff_login import StaffLoginScreen
from tests.support.kiosk_driver import (
    apply_to_done,
    mock_reader,
    on_screen,
    screen_text,
    shows,
    tap,
    to_identify,
    until,
)
from wiring.assembly import Assembly

ZHANG, LI, CHEN, SMITH, MARIE, EXPIRED = 0, 1, 4, 5, 6, 7  # demo deck
REPLACE = "读卡未成功：请拿起身份证"
READER_FAULT = "读卡器暂时无法使用"


ITEM = "marriage-record-proof"


async def open_staff_pin_pad(pilot) -> None:
    await pilot.press("f12")
    await on_screen(pilot, StaffLoginScreen)


async def sign_in_as_staff(pilot) -> None:
    await open_staff_pin_pad(pilot)
    await pilot.press("2", "4", "6", "8", "enter")
    await on_screen(pilot, StaffScreen)


def kiosk(assembly: Assembly) -> KioskApp:
    return KioskApp(assembly.api, sync_in_background=False)


async def test_each_card_type_identifies_masked(assembly: Assembly) -> None:
    reader = mock_reader(assembly)
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_identify(pilot, ITEM)
        for index, shown in [(CHEN, "陈**　810***********1230"), (SMITH, "史**　USA********1201"),
                             (MARIE, "玛*　931***********0023")]:
            reader.remove()
            reader.place(index)
            await until(shows(app, shown))
        text = screen_text(app)
        assert "931250199005200023" not in text and "玛丽" not in text
        await tap(pilot, "#continue")
        await on_screen(pilot, FormScreen)
        person = app.session.identity
        assert person is not None and person.name == "玛丽"
        assert str(person.birth_date) == "1990-05-20"


async def test_a_spoiled_read_asks_to_lay_the_card_again(assembly: Assembly) -> None:
    reader = mock_reader(assembly)
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_identify(pilot, ITEM)
        reader.corrupt_next_read()
        reader.place(ZHANG)
        await until(lambda: REPLACE in screen_text(app))
        assert not app.screen.query_one("#identified").display
        reader.remove()
        reader.place(ZHANG)  # lifted and laid down again
        await until(lambda: "张*　310***********1230" in screen_text(app))
        assert REPLACE not in screen_text(app)


async def test_an_expired_card_is_refused_with_its_date(assembly: Assembly,
                                                        clock: FakeClock) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_identify(pilot, ITEM)
        mock_reader(assembly).place(EXPIRED)
        await until(lambda: "这张证件已于 2024-02-14 过期" in screen_text(app))
        assert not app.screen.query_one("#identified").display


async def test_an_unplugged_reader_says_so_and_comes_back(assembly: Assembly) -> None:
    reader = mock_reader(assembly)
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_identify(pilot, ITEM)
        reader.unplug()
        await until(lambda: READER_FAULT in screen_text(app))
        await until(lambda: "✖ 读卡器 未连接" in screen_text(app))
        # The other ways still work: the e-ID code is one tap away.
        await tap(pilot, "#show-qr")
        reader.replug()
        await until(lambda: "● 读卡器 正常" in screen_text(app))
        assert READER_FAULT not in screen_text(app)
        reader.place(LI)
        await until(lambda: "李**　310***********2441" in screen_text(app))


async def test_a_failing_security_module_is_a_reader_fault(assembly: Assembly) -> None:
    reader = mock_reader(assembly)
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_identify(pilot, ITEM)
        reader.set_sam_failure(0x60)
        await until(lambda: "✖ 读卡器 安全模块故障" in screen_text(app))
        assert READER_FAULT in screen_text(app)
        reader.set_sam_failure(None)
        await until(lambda: "● 读卡器 正常" in screen_text(app))


async def test_staff_pin_opens_the_staff_screen_and_wipes_the_session(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_identify(pilot, ITEM)
        mock_reader(assembly).place(ZHANG)
        await until(lambda: "张*" in screen_text(app))
        await open_staff_pin_pad(pilot)
        assert app.session.item is None and app.session.identity is None
        await pilot.press("1", "1", "1", "1", "enter")
        await until(lambda: "还可尝试 2 次" in screen_text(app))
        await pilot.press("2", "4", "6", "8", "enter")
        await on_screen(pilot, StaffScreen)
        assert "05.01-20240315-1234567890-0987654321" in screen_text(app)


async def test_three_wrong_pins_lock_staff_access(assembly: Assembly,
                                                  clock: FakeClock) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        await open_staff_pin_pad(pilot)
        await pilot.press("enter")  # nothing typed: says so, uses no attempt
        await until(shows(app, "请先输入密码"))
        for attempt in range(3):
            await pilot.press("9", "9", "9", "9", "enter")
            if attempt < 2:
                await until(shows(app, f"还可尝试 {2 - attempt} 次"))
        # The third wrong PIN says that sign-in is locked, and until when.
        locked = f"工作人员登录已锁定，请于 {clock.now() + timedelta(seconds=300):%H:%M} 后再试"
        await until(shows(app, locked))
        login = app.screen
        assert isinstance(login, StaffLoginScreen)  # not sent home without a word
        # Locked: no PIN can be typed or sent, even the right one.
        assert login.query_one("#pin", Input).disabled
        assert login.query_one("#staff-enter").disabled
        await tap(pilot, "#staff-cancel")
        await on_screen(pilot, HomeScreen)
        await pilot.press("f12")  # F12 while locked: the pad says so again
        await until(shows(app, locked))
        await tap(pilot, "#staff-cancel")
        await on_screen(pilot, HomeScreen)
        clock.advance(300)
        await open_staff_pin_pad(pilot)
        await pilot.press("2", "4", "6", "8", "enter")
        await on_screen(pilot, StaffScreen)


async def test_guesses_typed_while_a_pin_is_checked_are_ignored(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        await open_staff_pin_pad(pilot)
        login = app.screen
        assert isinstance(login, StaffLoginScreen)
        for pin in ("1111", "2222", "3333", "4444", "2468"):
            login.query_one("#pin", Input).value = pin
            login.submit()  # as fast as Enter can be pressed: only the first is checked
        await until(lambda: not login.checking)
        await until(lambda: "还可尝试 2 次" in screen_text(app))
        assert isinstance(app.screen, StaffLoginScreen)


async def test_staff_screen_drives_the_mock_reader(assembly: Assembly) -> None:
    reader = mock_reader(assembly)
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        await sign_in_as_staff(pilot)
        await tap(pilot, "#mock-card-1")
        await until(lambda: "读卡区：上海居民，76岁" in screen_text(app))  # the deck's label_zh
        await tap(pilot, "#mock-corrupt")
        assert reader.state().pending_faults == ("corrupt",)
        await tap(pilot, "#mock-slow")
        assert reader.state().delay_s == 3.0
        await tap(pilot, "#mock-slow")
        await tap(pilot, "#mock-unplug")
        assert not reader.state().plugged
        await asyncio.to_thread(assembly.hub.check)
        await until(lambda: "✖ 读卡器：未连接" in screen_text(app))
        await tap(pilot, "#mock-unplug")  # now labelled "plug back"
        await asyncio.to_thread(assembly.hub.check)
        await until(lambda: "● 读卡器：正常" in screen_text(app))
        await tap(pilot, "#staff-leave")
        await on_screen(pilot, HomeScreen)


async def test_an_idle_staff_screen_goes_home(assembly: Assembly, clock: FakeClock) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        await open_staff_pin_pad(pilot)
        clock.advance(assembly.config.idle.timeout_s + 1)
        app.idle_tick()
        await on_screen(pilot, HomeScreen)


async def test_an_earlier_card_never_stands_for_the_next(assembly: Assembly) -> None:
    """Issue 13, item 3: a new card, a failed read or the card taken away before
    continuing clears the identity read before it."""
    reader = mock_reader(assembly)
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_identify(pilot, ITEM)
        identified = app.screen.query_one("#identified")

        def summary() -> str:
            return str(app.screen.query_one("#identity-summary", Static).render())

        reader.place(ZHANG)
        await until(shows(app, "张*"))
        reader.remove()
        reader.place(EXPIRED)  # 刘** puts an expired card down
        await until(shows(app, "过期，请使用有效证件"))
        assert not identified.display and summary() == ""
        await pilot.press("enter")  # nothing to continue with
        assert app.session.identity is None

        reader.remove()
        reader.place(ZHANG)
        await until(lambda: bool(identified.display))
        reader.remove()  # taken away before 下一步
        await until(lambda: not identified.display)
        assert summary() == ""

        reader.fail_next_read(0x41)
        reader.place(ZHANG)
        await until(shows(app, REPLACE))
        assert not identified.display and app.session.identity is None


async def test_the_screen_names_the_document_read(assembly: Assembly) -> None:
    """Issue 13, item 5: a permit or a foreigner's card is not called an ID card."""
    reader = mock_reader(assembly)
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_identify(pilot, ITEM)
        for index, named in [(ZHANG, "已识别（居民身份证）"), (CHEN, "已识别（港澳台居民居住证）"),
                             (SMITH, "已识别（外国人永久居留身份证）"),
                             (MARIE, "已识别（外国人永久居留身份证）")]:
            reader.remove()
            reader.place(index)
            await until(shows(app, named))


async def test_every_card_type_finishes_the_form(assembly: Assembly) -> None:
    """Issue 13, item 2 (first part): the 2017 foreigner's card (a 15-character number)
    is not held to the resident ID's rules on the form."""
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await apply_to_done(app, pilot, ITEM, SMITH)
        await on_screen(pilot, DoneScreen)
        assert "身份证号码前17位" not in screen_text(app)
