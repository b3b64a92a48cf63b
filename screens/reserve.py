"""Journey B, a reservation round: identify, then choices only (district, pharmacy with
its places, window, type, health self-report, either-type opt-in), submit, and the
answer with its slip.

The screens hold the person's draft (and drop it when they are replaced: a reset goes
home); the rules and the platform are the API's (kiosk/reservations.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Static

from contracts.catalog import Item
from contracts.identity import Identity, mask_id_number, mask_name
from contracts.platform_api import RoundConfig, RoundStock
from kiosk.api import KioskApi
from kiosk.i18n import Translator
from kiosk.reservations import (
    HEALTH_CHOICES,
    Choice,
    IdentifyRefusal,
    Places,
    ReservationDraft,
    ReservationResult,
    ResultKind,
)
from kiosk.slips import eligibility_words, result_words
from screens.base import KioskScreen
from screens.card_reminder import CardReminder
from screens.identify import IdentifyScreen
from screens.qr_watch import QrScreen


class ReserveIdentifyScreen(IdentifyScreen):
    """The identify screen, answering what the round decides from the document."""

    prompt_key = "speech.screen.reserve_identify"

    def __init__(self, config: RoundConfig, item: Item) -> None:
        QrScreen.__init__(self)  # (IdentifyScreen's takes the application session's item)
        self.round = config
        self.item = item
        self.identity: Identity | None = None
        self.shown_source = None

    def refusal_text(self, identity: Identity) -> str | None:
        t = self.t
        refusal = self.api.reservation_refusal(self.round, identity)
        if refusal is None:
            return None
        if refusal is IdentifyRefusal.DOCUMENT_TYPE:
            return t("identify.not_accepted", document=t(f"identify.doc_{identity.document}"))
        if refusal is IdentifyRefusal.NOT_ELIGIBLE:
            return t("reserve.refused_not_eligible", why=eligibility_words(self.round, t))
        return t("reserve.manual_not_allowed")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        # Textual calls IdentifyScreen's handler after this one unless the default is
        # prevented: the buttons that leave the screen go elsewhere here.
        button_id = event.button.id or ""
        if button_id == "continue":
            event.prevent_default()
            if self.identity is not None:
                draft = self.api.start_reservation(self.round, self.identity)
                self.kiosk.switch_screen(ReserveChoiceScreen(draft, self.item))
        elif button_id in ("back", "home"):
            event.prevent_default()
            self.kiosk.reset_session()


@dataclass
class StockFetched(Message):
    stock: RoundStock | None
    live: bool


@dataclass
class Reserved(Message):
    result: ReservationResult


# How long a new step's buttons wait before they take a tap.
SETTLE_S = 0.4


class ReserveChoiceScreen(KioskScreen):
    """One choice at a time, big buttons only; then the summary and submit."""

    prompt_key = "speech.screen.reserve_choice"

    def __init__(self, draft: ReservationDraft, item: Item) -> None:
        super().__init__()
        self.draft = draft
        self.item = item
        self.stock: RoundStock | None = None
        self.live = False
        self.fetched = draft.round.mode != "first_come"
        self.values: list[str] = []  # the option buttons' values, by index
        self.sending = False

    def compose(self) -> ComposeResult:
        t, draft = self.t, self.draft
        step = draft.current()
        steps = draft.steps()
        with Vertical(id="reserve"):
            yield Static(t("reserve.title", item=self.item.name(t.lang),
                           mode=t(f"reserve.mode_{draft.round.mode}")), classes="title")
            yield Static(self.chosen_text(), id="reserve-chosen", classes="subtitle")
            if step is None:
                yield Static(t("reserve.confirm_prompt"), id="reserve-prompt", classes="prompt")
                with Horizontal(id="reserve-submit-row"):
                    yield Button(t("reserve.submit"), id="submit", variant="success",
                                 classes="big")
                yield Static("", id="reserve-status", classes="problem")
            else:
                number = steps.index(step) + 1
                yield Static(t("reserve.step", n=number, of=len(steps),
                               what=t(f"reserve.ask_{step}")), id="reserve-prompt",
                             classes="prompt")
                options = self.options(step)
                self.values = [value for value, _, _ in options]
                if not options:
                    yield Static(t("reserve.nothing_to_choose"), classes="problem")
                with VerticalScroll(id="reserve-options"):
                    with Grid(id="reserve-grid"):
                        for n, (_, label, enabled) in enumerate(options):
                            yield Button(label, id=f"opt-{n}", classes="big option",
                                         disabled=not enabled)
            with Horizontal(classes="nav-row"):
                yield Button(t("common.back"), id="back", classes="nav")
                yield Button(t("common.home"), id="home", classes="nav")
        yield from self.compose_status()

    def on_mount(self) -> None:
        if not self.fetched:
            self.fetch_stock()
        self.settle()

    def settle(self) -> None:
        """A new step's buttons take no tap for a moment: a double tap on the last step's
        button (or on "next" before this screen) must not also choose here."""
        held = [b for b in self.query("#submit, .option").results(Button) if not b.disabled]
        for button in held:
            button.disabled = True

        def release() -> None:
            for button in held:
                button.disabled = False
            self.focus_first()

        self.set_timer(SETTLE_S, release)

    def focus_first(self) -> None:
        for selector in ("#submit", ".option"):
            for button in self.query(selector).results(Button):
                if not button.disabled:
                    button.focus()
                    return

    # -- what is offered ----------------------------------------------------------------
    def options(self, step: Choice) -> list[tuple[str, str, bool]]:
        """(value, label, can be chosen) for each option of the step."""
        t, api, config, picked = self.t, self.api, self.draft.round, self.draft.picked
        if step is Choice.DISTRICT:
            return [(d, d, True) for d in api.round_districts(config)]
        if step is Choice.PHARMACY:
            return [(p.id, f"{p.name}\n{self.places_text(p.id)}", self.open(p.id))
                    for p in api.round_pharmacies(config, picked[Choice.DISTRICT])]
        if step is Choice.WINDOW:
            pharmacy = picked[Choice.PHARMACY]
            return [(w.id, f"{w.label}\n{self.places_text(f'{pharmacy}/{w.id}')}",
                     self.open(f"{pharmacy}/{w.id}"))
                    for w in api.round_windows(config, pharmacy)]
        if step is Choice.PRODUCT:
            return [(p, self.type_name(p), True) for p in config.product_types]
        if step is Choice.HEALTH:
            return [(h, t(f"reserve.health_{h}"), True) for h in HEALTH_CHOICES]
        return [("yes", t("reserve.either_yes"), True), ("no", t("reserve.either_no"), True)]

    def type_name(self, product_type: str) -> str:
        return type_name(self.t, product_type)

    def places(self, prefix: str) -> Places:
        return self.api.places(self.draft.round, self.stock, self.live, prefix)

    def open(self, prefix: str) -> bool:
        """Not when the live count says none is left."""
        found = self.places(prefix)
        return not (found.live and not found.per_draw and found.count == 0)

    def places_text(self, prefix: str) -> str:
        t, found = self.t, self.places(prefix)
        if found.per_draw:
            return t("reserve.places_per_draw", n=found.count)
        if not self.fetched:
            return t("reserve.places_checking")
        if found.live:
            return t("reserve.places_left", n=found.count) if found.count \
                else t("reserve.places_none")
        if self.stock is not None:
            return t("reserve.places_last_known", n=found.count,
                     time=self.api.shown_time(self.stock.as_of))
        return t("reserve.places_quota", n=found.count)

    def chosen_text(self) -> str:
        t, draft = self.t, self.draft
        who = draft.identity
        parts = [f"{mask_name(who.shown_name(t.lang))} {mask_id_number(who.id_number)}"]
        picked = draft.picked
        if Choice.PHARMACY in picked:
            pharmacy = self.api.pharmacy(picked[Choice.PHARMACY])
            parts.append(pharmacy.name if pharmacy else picked[Choice.PHARMACY])
        elif Choice.DISTRICT in picked:
            parts.append(picked[Choice.DISTRICT])
        if Choice.WINDOW in picked and Choice.PHARMACY in picked:
            windows = self.api.round_windows(draft.round, picked[Choice.PHARMACY])
            parts += [w.label for w in windows if w.id == picked[Choice.WINDOW]]
        if Choice.PRODUCT in picked:
            parts.append(self.type_name(picked[Choice.PRODUCT]))
        if Choice.HEALTH in picked:
            parts.append(t(f"reserve.health_{picked[Choice.HEALTH]}"))
        if Choice.EITHER in picked:
            parts.append(t(f"reserve.either_{picked[Choice.EITHER]}"))
        return " · ".join(parts)

    # -- the stock ----------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="stock")
    def fetch_stock(self) -> None:
        stock, live = self.api.round_stock(self.draft.round)
        self.post_message(StockFetched(stock, live))

    async def on_stock_fetched(self, message: StockFetched) -> None:
        self.stock, self.live, self.fetched = message.stock, message.live, True
        await self.show_step()

    async def show_step(self) -> None:
        await self.recompose()
        self.settle()

    # -- input ----------------------------------------------------------------------------
    async def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        if button_id.startswith("opt-"):
            index = int(button_id.removeprefix("opt-"))
            if index < len(self.values) and not self.sending:
                self.draft.pick(self.values[index])
                await self.show_step()
        elif button_id == "submit" and not self.sending:
            self.sending = True
            # Until the answer: leaving now would leave the person not knowing it.
            for button in self.query("#submit, #back, #home").results(Button):
                button.disabled = True
            self.query_one("#reserve-status", Static).update(self.t("reserve.sending"))
            self.submit()
        elif button_id == "back" and not self.sending:
            if self.draft.back():
                await self.show_step()
            else:
                self.kiosk.switch_screen(ReserveIdentifyScreen(self.draft.round, self.item))
        elif button_id == "home" and not self.sending:
            self.kiosk.reset_session()

    @work(thread=True, exclusive=True, group="reserve")
    def submit(self) -> None:
        self.post_message(Reserved(self.api.reserve(self.draft)))

    def on_reserved(self, message: Reserved) -> None:
        self.kiosk.switch_screen(ReserveResultScreen(self.draft.identity, message.result,
                                                     self.item))


class ReserveResultScreen(KioskScreen):
    """The answer in plain words, the reference, the pickup code; the slip prints."""

    AUTO_FOCUS = "#home"

    def __init__(self, identity: Identity, result: ReservationResult, item: Item) -> None:
        super().__init__()
        self.identity = identity
        self.result = result
        self.item = item

    def compose(self) -> ComposeResult:
        t, result = self.t, self.result
        kind = result.kind
        with Vertical(id="reserve-result"):
            yield Static(t(f"reserve.title_{kind}"), classes=f"title result-{kind}")
            yield Static(result_words(result, t, self.api.time_zone()), id="result-words")
            if result.reference:
                yield Static(t("reserve.reference", reference=result.reference),
                             id="result-reference")
            if kind is ResultKind.ALLOCATED:
                yield Static(self.where(), id="result-where")
                yield Static(t("reserve.pickup_code_on_slip"), id="result-code")
            yield Static(t("reserve.printing") if self.prints else "", id="reserve-print-status")
            yield CardReminder()  # the card still on the reader
            with Horizontal(classes="nav-row"):
                yield Button(t("common.home"), id="home", classes="nav")
        yield from self.compose_status()

    @property
    def prints(self) -> bool:
        """A refusal or a failure makes no slip: nothing was registered."""
        return self.result.kind not in (ResultKind.REFUSED, ResultKind.FAILED)

    def where(self) -> str:
        t, result = self.t, self.result
        pharmacy_id, window_id = (result.slot.split("/") + ["", ""])[:2]
        pharmacy = self.api.pharmacy(pharmacy_id)
        if pharmacy is None:
            return t("reserve.where", place=result.slot, window="",
                     until=self.api.shown_time(result.valid_until))
        window = next((w.label for w in pharmacy.windows if w.id == window_id), window_id)
        return t("reserve.where", place=f"{pharmacy.name} {pharmacy.address}", window=window,
                 until=self.api.shown_time(result.valid_until))

    def on_mount(self) -> None:
        if self.app.screen is not self or not self.prints:
            return
        self.kiosk.print_slip(self.api.reservation_slip(self.result, self.identity, self.t))

    def speak_on_show(self) -> None:
        t, result = self.t, self.result
        self.speak_result(f"reserve.title_{result.kind}")
        self.speak_result("speech.shown", text=result_words(result, t, self.api.time_zone()))
        if result.reference:
            self.speak_result("speech.reference", reference=result.reference)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "home":
            self.kiosk.reset_session()


ROUNDS_PER_ROW = 3


def round_buttons(t: Translator, api: KioskApi) -> ComposeResult:
    """The home screen's rounds open now, closing soonest first: what each offers (the
    item, lottery or first come, the types) and when it closes; one tap starts."""
    rounds = api.open_rounds()
    for start in range(0, len(rounds), ROUNDS_PER_ROW):
        with Horizontal(classes="home-rounds"):
            for config in rounds[start:start + ROUNDS_PER_ROW]:
                item = api.round_item(config)
                types = t("common.list_sep").join(type_name(t, p) for p in config.product_types)
                closes = api.shown_time(config.closes_at)
                lines = [f"{item.name(t.lang)} · {t(f'reserve.mode_{config.mode}')}", types,
                         t("reserve.closes", time=closes)]
                yield Button("\n".join(line for line in lines if line),
                             id=f"round-{config.id}", classes="round")


def type_name(t: Translator, product_type: str) -> str:
    key = f"reserve.type_{product_type}"
    return t(key) if t.has(key) else product_type
