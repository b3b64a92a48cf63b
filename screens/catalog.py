"""All items: personal / enterprise categories and a search box."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from kiosk.catalog import Category, Item
from screens.base import KioskScreen


class CatalogScreen(KioskScreen):
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
            yield Static("", id="result-count")
            yield VerticalScroll(id="items")
            yield Button(t("common.home"), id="home", classes="nav")
        yield from self.compose_status()

    async def on_mount(self) -> None:
        await self.show_items()
        self.query_one("#items Button", Button).focus()

    async def show_items(self) -> None:
        t = self.t
        text = self.query_one("#search", Input).value
        items: list[Item] = self.kiosk.services.catalog.search(text, self.category)
        box = self.query_one("#items", VerticalScroll)
        await box.remove_children()
        await box.mount_all(
            Button(f"{item.name(t.lang)}\n{t.pick(item.department_zh, item.department_en)}",
                   id=f"item-{item.id}", classes="item")
            for item in items
        )
        count = self.query_one("#result-count", Static)
        count.update(t("catalog.count", count=len(items)) if items else t("catalog.none"))

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
            kiosk.session.choose(kiosk.services.catalog.get(button_id.removeprefix("item-")))
            kiosk.show_step()
        elif button_id == "home":
            kiosk.reset_session()
