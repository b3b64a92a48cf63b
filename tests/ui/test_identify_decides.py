"""What the identity alone decides is said on the identify screen, before any form
(issue 13, items 2, 4 and 6): documents an item does not take, age and household
registration, and typed identities only where the item allows them, verified at the counter."""

from __future__ import annotations

from textual.widgets import Button, Input, RadioButton, RadioSet

from screens.app import KioskApp
from screens.catalog import CatalogScreen
from screens.confirm import ConfirmScreen
from screens.done import DoneScreen
from screens.form import FormScreen
from screens.identify import IdentifyScreen
from tests.support.kiosk_driver import (
    mock_printer,
    mock_reader,
    on_screen,
    screen_text,
    shows,
    slip_text,
    tap,
    to_identify,
    until,
)
from wiring.assembly import Assembly

ZHANG_41, LI_76, NANJING_34, HK_PERMIT, FOREIGNER_2017 = 0, 1, 2, 4, 5


def kiosk(assembly: Assembly) -> KioskApp:
    return KioskApp(assembly.api, sync_in_background=False)


def continues(app: KioskApp) -> bool:
    return bool(app.screen.query_one("#continue", Button).display)


async def test_age_refuses_right_after_the_card_and_the_next_card_goes_on(
        assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_identify(pilot, "elderly-allowance")  # 65 and over, Shanghai household
        assert "本事项受理：居民身份证" in screen_text(app)
        mock_reader(assembly).place(ZHANG_41)
        await until(shows(app, "不能在本机办理："))
        assert not continues(app)
        assert app.focused is app.screen.query_one("#back")  # a way on: another service
        await pilot.press("enter")  # nothing goes past the refusal to a form
        await on_screen(pilot, CatalogScreen)
        await tap(pilot, "#item-elderly-allowance")
        await on_screen(pilot, IdentifyScreen)
        mock_reader(assembly).place(LI_76)
        await until(shows(app, "已识别（居民身份证）：李**"))
        assert "不能在本机办理" not in screen_text(app) and continues(app)
        await tap(pilot, "#continue")
        await on_screen(pilot, FormScreen)


async def test_household_registration_refuses_before_the_form(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_identify(pilot, "household-registration-certificate")
        mock_reader(assembly).place(NANJING_34)
        await until(shows(app, "不能在本机办理："))
        assert not continues(app) and app.session.identity is None


async def test_a_document_the_service_does_not_take_is_named(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_identify(pilot, "household-registration-certificate")
        mock_reader(assembly).place(FOREIGNER_2017)
        await until(shows(app, "本事项不受理外国人永久居留身份证"))
        assert not continues(app)
        # Taking the card away clears the refusal with the identity.
        mock_reader(assembly).remove()
        await until(lambda: not app.screen.query_one("#identified").display)
        assert "本事项不受理" not in screen_text(app)


async def test_a_permit_finishes_a_service_that_takes_it(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_identify(pilot, "marriage-record-proof")
        assert "本事项受理" not in screen_text(app)  # it takes every document
        mock_reader(assembly).place(HK_PERMIT)
        await until(shows(app, "已识别（港澳台居民居住证）"))
        await tap(pilot, "#continue")
        await on_screen(pilot, FormScreen)


async def test_typing_an_identity_is_offered_only_where_the_service_allows(
        assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_identify(pilot, "marriage-record-proof")
        assert not app.screen.query("#show-manual")
        assert "手动输入" not in screen_text(app)


async def test_a_typed_identity_is_received_for_the_counter_never_approved(
        assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_identify(pilot, "provident-fund-deposit-statement")  # instant for a card
        await tap(pilot, "#show-manual")
        assert "手动输入的身份须到窗口核验" in screen_text(app)
        app.screen.query_one("#manual-name", Input).value = "王芳"
        app.screen.query_one("#manual-id", Input).value = "310104198506121230"
        await tap(pilot, "#manual-submit")
        await until(shows(app, "已识别（手动输入）：王*"))
        await tap(pilot, "#continue")
        await on_screen(pilot, FormScreen)
        for radio in app.screen.query("#fields RadioSet").results(RadioSet):
            radio.query(RadioButton).first().value = True
        # (a form of choices moves on once the last is made)
        await on_screen(pilot, ConfirmScreen)
        await tap(pilot, "#submit")
        await on_screen(pilot, DoneScreen)
        assert "请持凭条和身份证件到窗口核验身份" in screen_text(app)
        assert "办理成功" not in screen_text(app)
        await until(shows(app, "凭条已打印"))
        slip = slip_text(mock_printer(assembly).jobs()[-1].read_bytes())
        assert "须到窗口核验身份" in slip and "已通过" not in slip
        sub = app.session.submission
        assert sub is not None
        tx = assembly.store.outbox.get(sub.transaction_id)
        assert tx.payload["decision"]["outcome"] == "verify_at_counter"


async def test_a_card_read_as_the_session_resets_is_no_fault(assembly: Assembly) -> None:
    # Found by the monkey test: a card event reaching the identify screen in the frame the
    # session was reset found no item in the session (an AssertionError, a UI fault).
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_identify(pilot, "marriage-record-proof")
        screen = app.screen
        assert isinstance(screen, IdentifyScreen)
        assembly.api.reset_session()  # the idle timeout, before the screen is replaced
        mock_reader(assembly).place(ZHANG_41)
        await until(lambda: bool(screen.query_one("#identified").display))
        assert assembly.api.ui_faults == 0
