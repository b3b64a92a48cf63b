"""All items: personal / enterprise categories, the item list, and an A-Z keypad.

Choices instead of free text: a touch user narrows the list by category and by the
first letters of the name (pinyin initials in Chinese, word starts in English) tapped
on the keypad, which types into the search box. A keyboard still types into that box,
Han characters too. What matches is the core's (``api.find_items``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from contracts.catalog import Category, Item
from screens.base import KioskScreen
from screens.keypad import letter_keypad
from screens.out_of_service import out_label, said_out

# Item buttons listed at once. Every button costs Textual time on each tap: with all of
# a 673-item catalog (Xuhui's size) listed, a tap took 1.5 s (bench/catalog_search.py).
# More matches than this: the count says so and more letters narrow them.
LIST_LIMIT = 40


class CatalogScreen(KioskScreen):
    prompt_key = "speech.screen.catalog"

    CSS_PATH = "out_of_service.tcss"
    def __init__(self) -> None:
        super().__init__()
        self.category: Category | None = None

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(id="catalog"):
            yield Static(t("catalog.title"), classes="title")
            with Horizontal(id="categories"):
                yield Button(t("catalog.all"), id="cat-all", classes="category -selected")
                yield Button(t("catalog.personal"), id="cat-personal", classes="category")
                yield Button(t("catalog.enterprise"), id="cat-enterprise", classes="category")
            yield Input(placeholder=t("catalog.search_placeholder"), id="search", max_length=20)
            items = self.api.find_items("", t.lang)
            yield Static(self.count_text(len(items)), id="result-count")
            with Horizontal(id="catalog-body"):
                with VerticalScroll(id="items"):
                    yield from self.item_buttons(items[:LIST_LIMIT])
                yield letter_keypad(pinyin=t.is_zh, target="#search",
                                    clear_label=t("keypad.clear"), id="initials")
            yield Button(t("common.home"), id="home", classes="nav")
        yield from self.compose_status()

    def on_mount(self) -> None:
        self.query_one("#items Button", Button).focus()

    def item_buttons(self, items: Sequence[Item]) -> Iterator[Button]:
        t = self.t
        board = self.api.service_board()  # a service out of service: greyed, said so
        for item in items:
            label = f"{item.name(t.lang)}\n{t.pick(item.department_zh, item.department_en)}"
            yield Button(out_label(t, board, item.id, label), id=f"item-{item.id}",
                         classes="item -out" if board.is_out(item.id) else "item")

    def count_text(self, count: int) -> str:
        if not count:
            return self.t("catalog.none")
        if count > LIST_LIMIT:
            return self.t("catalog.count_more", count=count, listed=LIST_LIMIT)
        return self.t("catalog.count_one" if count == 1 else "catalog.count", count=count)

    async def show_items(self) -> None:
        text = self.query_one("#search", Input).value
        items = self.api.find_items(text, self.t.lang, self.category)
        box = self.query_one("#items", VerticalScroll)
        on_item = self.focused is not None and self.focused.has_class("item")
        await box.remove_children()
        await box.mount_all(self.item_buttons(items[:LIST_LIMIT]))
        if on_item and items:  # Enter picks the first match, never what focus fell to
            box.query(Button).first().focus()
        self.query_one("#result-count", Static).update(self.count_text(len(items)))

    async def on_input_changed(self, event: Input.Changed) -> None:
        await self.show_items()

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        kiosk = self.kiosk
        if button_id.startswith("cat-"):
            name = button_id.removeprefix("cat-")
            self.category = None if name == "all" else Category(name)
            for button in self.query(".category").results(Button):
                button.set_class(button is event.button, "-selected")
            await self.show_items()
        elif button_id.startswith("item-"):
            item = kiosk.api.catalog.get(button_id.removeprefix("item-"))
            if not said_out(kiosk, item.id):  # out of service: said, not started
                kiosk.advance(kiosk.session.choose, item)
        elif button_id == "home":
            kiosk.reset_session()
