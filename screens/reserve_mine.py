"""我的预约 (my reservation): identify by card or e-ID QR, then this person's entries on the
platform (draw results, pickup codes) and those still queued at this kiosk. Offline,
the platform cannot be asked: the screen says so and shows what this kiosk queued."""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Static

from contracts.catalog import Category, Item
from contracts.identity import Document, Identity, mask_id_number, mask_name
from contracts.platform_api import EntryView
from kiosk.i18n import Translator
from kiosk.reservations import MyReservations, QueuedEntry, ReservationResult, ResultKind
from screens.base import KioskScreen
from screens.card_reminder import CardReminder
from screens.identify import IdentifyScreen
from screens.qr_watch import QrScreen


def _lookup_item() -> Item:
    """What the identify screen names as the service: my reservation (no typed identity:
    anyone could type another's number)."""
    zh, en = Translator("zh-CN"), Translator("en")
    return Item(id="my-reservation", name_zh=zh("myres.title"), name_en=en("myres.title"),
                category=Category.PERSONAL, department_zh="-", department_en="-",
                accepts=tuple(Document), manual_entry=False)


class MyReservationIdentifyScreen(IdentifyScreen):
    prompt_key = "speech.screen.my_reservation_identify"
    def __init__(self) -> None:
        QrScreen.__init__(self)  # (IdentifyScreen's takes the application session's item)
        self.item = _lookup_item()
        self.identity: Identity | None = None
        self.shown_source = None

    def refusal_text(self, identity: Identity) -> str | None:
        return None  # anyone may look up their own entries

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        if button_id == "continue":
            event.prevent_default()
            if self.identity is not None:
                self.kiosk.switch_screen(MyReservationScreen(self.identity))
        elif button_id in ("back", "home"):
            event.prevent_default()
            self.kiosk.reset_session()


@dataclass
class Found(Message):
    found: MyReservations


class MyReservationScreen(KioskScreen):
    prompt_key = "speech.screen.my_reservation"
    AUTO_FOCUS = "#home"

    def __init__(self, identity: Identity) -> None:
        super().__init__()
        self.identity = identity
        self.won: list[EntryView] = []  # entries with a pickup code, by print button

    def compose(self) -> ComposeResult:
        t, who = self.t, self.identity
        with Vertical(id="myres"):
            yield Static(t("myres.title"), classes="title")
            yield Static(f"{mask_name(who.shown_name(t.lang))} {mask_id_number(who.id_number)}",
                         classes="subtitle")
            with VerticalScroll(id="myres-list"):
                yield Static(t("myres.checking"), id="myres-status", classes="prompt")
            yield CardReminder()  # the card still on the reader
            with Horizontal(classes="nav-row"):
                yield Button(t("common.home"), id="home", classes="nav")
        yield from self.compose_status()

    def on_mount(self) -> None:
        self.look_up()

    @work(thread=True, exclusive=True, group="myres")
    def look_up(self) -> None:
        self.post_message(Found(self.api.my_reservations(self.identity)))

    async def on_found(self, message: Found) -> None:
        t, found = self.t, message.found
        status = self.query_one("#myres-status", Static)
        if not found.online:
            key = "myres.offline"
            status.add_class("problem")
        elif not found.entries and not found.queued:
            key = "myres.none"
        else:
            key = "myres.heading"
        status.update(t(key))
        self.speak_result(key)
        rows: list[Widget] = []
        for entry in found.entries:
            rows.append(Static(self.entry_text(entry), classes="myres-entry"))
            if self.codes_slip(entry) is not None:  # a lost slip: the code printed again
                rows.append(Button(t("myres.print_code"), id=f"print-{len(self.won)}",
                                   classes="big myres-print"))
                self.won.append(entry)
        rows += [Static(self.queued_text(q), classes="myres-entry -queued")
                 for q in found.queued]
        await self.query_one("#myres-list").mount_all(rows)

    def codes_slip(self, entry: EntryView) -> ReservationResult | None:
        """An allocated entry as the slip that carries its pickup code; None: no code."""
        config = self.api.round_of(entry.round_id)
        if entry.status != "won" or not entry.pickup_code or config is None:
            return None
        return ReservationResult(ResultKind.ALLOCATED, config, entry.reference,
                                 slot=entry.slot, pickup_code=entry.pickup_code,
                                 valid_until=entry.valid_until)

    def round_name(self, round_id: str) -> str:
        config = self.api.round_of(round_id)
        if config is None:
            return round_id
        return self.api.round_item(config).name(self.t.lang)

    def slot_name(self, slot: str) -> str:
        pharmacy_id, _, rest = slot.partition("/")
        pharmacy = self.api.pharmacy(pharmacy_id)
        if pharmacy is None:
            return slot
        window_id = rest.split("/")[0]
        window = next((w.label for w in pharmacy.windows if w.id == window_id), window_id)
        return f"{pharmacy.name} {window}"

    def entry_text(self, entry: EntryView) -> str:
        t = self.t
        slot = entry.slot or (entry.choices[0] if entry.choices else "")
        lines = [t("myres.entry", round=self.round_name(entry.round_id),
                   reference=entry.reference, state=t(f"myres.state_{entry.status}")),
                 t("myres.where", place=self.slot_name(slot)) if slot else ""]
        if entry.status == "won" and entry.pickup_code:
            lines.append(t("myres.code", until=self.api.shown_time(entry.valid_until)))
        elif entry.status == "entered":
            config = self.api.round_of(entry.round_id)
            draw = self.api.next_draw(config) if config else None
            lines.append(t("reserve.draw_at", time=self.api.shown_time(draw)) if draw
                         else t("reserve.draw_unannounced"))
        return "\n".join(line for line in lines if line)

    def queued_text(self, queued: QueuedEntry) -> str:
        return self.t("myres.queued", round=self.round_name(queued.round_id),
                      reference=queued.reference, place=self.slot_name(queued.slot),
                      made=self.api.shown_time(queued.made_at))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        if button_id == "home":
            self.kiosk.reset_session()
        elif button_id.startswith("print-"):
            result = self.codes_slip(self.won[int(button_id.removeprefix("print-"))])
            if result is not None:
                event.button.disabled = True  # one slip per tap-through
                self.kiosk.print_slip(self.api.reservation_slip(result, self.identity, self.t))
