"""Choices instead of free text (issue 13, item 16): a service found by tapping initials,
a credit code typed on its own keypad and checked by GB 32100."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

from screens.app import KioskApp
from screens.catalog import LIST_LIMIT, CatalogScreen
from screens.confirm import ConfirmScreen
from screens.form import FormScreen
from screens.home import HomeScreen
from screens.identify import IdentifyScreen
from tests.support.kiosk_driver import apply_to_done, on_screen, screen_text, tap, until
from wiring.assembly import Assembly

CREDIT_ITEM = "enterprise-credit-report"
VALID_CODE = "91350100M000100Y43"  # GB 32100's worked example


def kiosk(assembly: Assembly) -> KioskApp:
    return KioskApp(assembly.api, sync_in_background=False)


def item_ids(app: KioskApp) -> list[str]:
    return [b.id or "" for b in app.screen.query("#items Button").results(Button)]


async def to_catalog(pilot: Pilot[None]) -> None:
    await on_screen(pilot, HomeScreen)
    await tap(pilot, "#start")
    await on_screen(pilot, CatalogScreen)


async def test_tapping_initials_finds_and_picks_an_item(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_catalog(pilot)
        assert not app.screen.query("#key-I, #key-U, #key-V")  # no pinyin syllable starts so
        for letter in "HYDJ":  # 婚姻登记...
            assert await pilot.click(f"#key-{letter}")
        await until(lambda: item_ids(app) == ["item-marriage-record-proof"])
        assert app.screen.query_one("#search", Input).value == "HYDJ"
        assert "共 1 项" in screen_text(app)
        assert await pilot.click("#key-back")
        assert await pilot.click("#key-back")
        await until(lambda: len(item_ids(app)) > 1)  # HY: 婚姻... and 个体工商户营业执照
        assert item_ids(app)[0] == "item-marriage-record-proof"
        assert await pilot.click("#key-clear")
        await until(lambda: len(item_ids(app)) == len(assembly.api.catalog.items))
        where = app.screen.query_one("#key-J").region  # with a long list, and a scrollbar
        for letter in "GJJ":  # 公积金, from any word start
            assert await pilot.click(f"#key-{letter}")
        await until(lambda: "item-provident-fund-withdrawal" in item_ids(app)
                    and len(item_ids(app)) == 4)
        await pilot.pause()
        # The short list needs no scrollbar, and the pad stays where the finger is.
        assert app.screen.query_one("#key-J").region == where
        focused = app.screen.focused  # was on the first item, now gone: Enter picks a match
        assert focused is not None and focused.id == item_ids(app)[0]
        await tap(pilot, "#item-provident-fund-withdrawal")
        await on_screen(pilot, IdentifyScreen)
        assert app.session.item is not None
        assert app.session.item.id == "provident-fund-withdrawal"


async def test_english_word_starts_and_plural_counts(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        await tap(pilot, "#lang-toggle")
        await until(lambda: "Start · All services" in screen_text(app))
        await to_catalog(pilot)
        assert app.screen.query("#key-I, #key-U, #key-V")  # English words start with any
        for letter in "MAR":
            assert await pilot.click(f"#key-{letter}")
        await until(lambda: item_ids(app) == ["item-marriage-record-proof"])
        assert "1 service" in screen_text(app)
        assert "1 services" not in screen_text(app)
        assert await pilot.click("#key-clear")
        for letter in "REG":  # a later word's start: "Marriage registration ..."
            assert await pilot.click(f"#key-{letter}")
        await until(lambda: len(item_ids(app)) > 1)
        assert f"{len(item_ids(app))} services" in screen_text(app)
        assert "item-marriage-record-proof" in item_ids(app)


async def test_a_catalog_from_a_refresh_is_listed_at_the_next_tap(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_catalog(pilot)
        api = assembly.api
        renamed = api.catalog.get("marriage-record-proof").model_copy(
            update={"name_zh": "结婚登记记录证明"})
        api.catalog = api.catalog.model_copy(update={"items": (renamed,)})
        for letter in "JH":
            assert await pilot.click(f"#key-{letter}")
        await until(lambda: item_ids(app) == ["item-marriage-record-proof"])
        assert len(app.screen.query("#items Button")) == 1
        assert "结婚登记记录证明" in screen_text(app)


async def test_a_long_list_shows_its_first_matches_and_says_so(assembly: Assembly) -> None:
    app = kiosk(assembly)
    api = assembly.api
    copies = [item.model_copy(update={"id": f"{item.id}-{n}"})
              for n in range(3) for item in api.catalog.items]  # 108 items
    api.catalog = api.catalog.model_copy(update={"items": tuple(copies)})
    async with app.run_test(size=(120, 40)) as pilot:
        await to_catalog(pilot)
        assert len(item_ids(app)) == LIST_LIMIT
        assert f"共 108 项，列出前 {LIST_LIMIT} 项" in screen_text(app)
        for letter in "HYDJ":
            assert await pilot.click(f"#key-{letter}")
        await until(lambda: len(item_ids(app)) == 3)
        assert "共 3 项" in screen_text(app)


async def test_a_keyboard_still_types_into_the_search_box(assembly: Assembly) -> None:
    app = kiosk(assembly)
    async with app.run_test(size=(120, 40)) as pilot:
        await to_catalog(pilot)
        app.screen.query_one("#search", Input).focus()
        await pilot.press(*"hydj")
        await until(lambda: item_ids(app) == ["item-marriage-record-proof"])
        await tap(pilot, "#cat-enterprise")  # not an enterprise item
        await until(lambda: "没有找到相关事项" in screen_text(app))


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
