"""Choices instead of free text (issue 13, item 16): a credit code typed on its own keypad
and checked by GB 32100."""

from __future__ import annotations

from textual.widgets import Input, RadioButton, RadioSet, Static

from screens.app import KioskApp
from screens.confirm import ConfirmScreen
from screens.form import FormScreen
from tests.support.kiosk_driver import apply_to_done, on_screen, screen_text, tap, until
from wiring.assembly import Assembly

CREDIT_ITEM = "enterprise-credit-report"
VALID_CODE = "91350100M000100Y43"  # GB 32100's worked example


def kiosk(assembly: Assembly) -> KioskApp:
    return KioskApp(assembly.api, sync_in_background=False)


async def test_a_credit_code_on_its_keypad(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await apply_to_done(app, pilot, CREDIT_ITEM, 0, stop_at=FormScreen)
        keys = {k.id for k in app.screen.query("#keypad .key")}
        assert keys == {f"key-{c}" for c in "0123456789ABCDEFGHJKLMNPQRTUWXY"} | {"key-back"}
        box = app.screen.query_one("#field-credit_code", Input)
        box.focus()
        for char in "913191319131913191":  # accepted as free text before this
            assert await pilot.click(f"#key-{char}")
        await until(lambda: box.value == "913191319131913191")
        await until(lambda: "校验位（最后一位）不符" in screen_text(app))
        await tap(pilot, "#next")  # refused: stays on the form
        assert isinstance(app.screen, FormScreen)

        box.focus()
        box.clear()
        await pilot.press(*"9o")  # O is never in a credit code: the box refuses it
        await until(lambda: box.value == "9")
        await pilot.press(*"4")  # 工商 registers no type 4: said at once
        await until(lambda: "前两位（登记管理部门、机构类别）不正确" in screen_text(app))
        box.clear()
        await pilot.press(*VALID_CODE[:8].lower(), *VALID_CODE[8:].lower())  # upper-cased
        await until(lambda: box.value == VALID_CODE)
        problem = app.screen.query_one("#problem-credit_code", Static)
        await until(lambda: str(problem.render()) == "")
        for radio in app.screen.query("#fields RadioSet").results(RadioSet):
            radio.query(RadioButton).first().value = True
        await tap(pilot, "#next")
        await on_screen(pilot, ConfirmScreen)
        assert app.session.answers["credit_code"] == VALID_CODE
        assert VALID_CODE in screen_text(app)  # an organisation's code: shown plain
