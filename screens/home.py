"""The attract/home screen: start, the hot list for bank customers, elder mode, language."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Grid, Horizontal, Vertical
from textual.widgets import Button, Static

from screens.base import KioskScreen
from screens.card_reminder import CardReminder
from screens.lookup import LookupScreen
from screens.out_of_service import OutOfServicePanel, ServiceNotice, out_label, said_out
from screens.pickup import PickupScreen
from screens.reserve import ReserveIdentifyScreen, round_buttons
from screens.reserve_mine import MyReservationIdentifyScreen

HOT_COUNT = 6  # keys 1-6, in either mode


class HomeScreen(KioskScreen):
    prompt_key = "speech.screen.home"
    # Focus by selector when shown, not by a query in on_mount: two quick taps (language,
    # then elder mode) replace a home screen before it mounts, and its children are gone.
    AUTO_FOCUS = "#start"
    CSS_PATH = "out_of_service.tcss"
    BINDINGS = [
        Binding(str(n), f"hot({n - 1})", show=False, id=f"home.hot{n}") for n in range(1, 7)
    ]

    def compose(self) -> ComposeResult:
        t, kiosk = self.t, self.kiosk
        catalog = kiosk.api.catalog
        # Elder mode lists what older visitors need most (pension, allowance, insurance).
        hot = catalog.hot(HOT_COUNT, elder=kiosk.elder)
        board = kiosk.api.service_board()
        if board.whole is not None:  # the whole kiosk out: that, large, and nothing else
            yield OutOfServicePanel(board, id="out-of-service")
            yield from self.compose_status()
            return
        with Vertical(id="home"):
            yield Static(t("home.title"), id="title", classes="title")
            yield Static(kiosk.api.branch_name(t.lang), id="branch")
            yield CardReminder()  # the last visitor's card, left behind
            yield ServiceNotice(board, id="service-notice")  # what is out, where to go
            # Elder mode first and large: the people who need it should not have to hunt.
            with Horizontal(id="home-switches"):
                elder_label = t("home.elder_on") if kiosk.elder else t("home.elder_off")
                yield Button(elder_label, id="elder-toggle", variant="warning", classes="big")
                yield Button(t("home.language_switch"), id="lang-toggle", classes="big")
                # Spoken prompts (docs/speech.md): on in elder mode; the visitor decides.
                speech_label = t("speech.toggle_on" if kiosk.api.speech_enabled
                                 else "speech.toggle_off")
                yield Button(speech_label, id="speech-toggle", classes="big")
            with Center():
                yield Button(t("home.start"), id="start", variant="primary", classes="big")
            with Horizontal(id="home-more"):
                for button_id, key in (("pickup", "home.pickup"), ("lookup", "home.lookup"),
                                       ("my-reservation", "myres.title")):
                    yield Button(out_label(t, board, button_id, t(key)), id=button_id,
                                 classes="big -out" if board.is_out(button_id) else "big")
            # A scarce-supply reservation (masks in 2020) is one tap from home: each round
            # open now, what it offers and when it closes.
            yield from round_buttons(t, kiosk.api)
            yield Static(t("home.hot_heading_elder" if kiosk.elder else "home.hot_heading"),
                         classes="heading")
            with Center():
                with Grid(id="hot"):
                    for n, item in enumerate(hot, start=1):
                        yield Button(out_label(t, board, item.id, f"{n}  {item.name(t.lang)}"),
                                     id=f"hot-{item.id}",
                                     classes="hot -out" if board.is_out(item.id) else "hot")
        yield from self.compose_status()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        kiosk = self.kiosk
        if button_id == "start":
            kiosk.advance(kiosk.session.start)
        elif button_id.startswith("hot-"):
            item = kiosk.api.catalog.get(button_id.split("-", 1)[1])
            if not said_out(kiosk, item.id):  # out of service: said, not started
                kiosk.advance(kiosk.session.choose, item)
        elif button_id.startswith("round-"):
            config = kiosk.api.round_of(button_id.removeprefix("round-"))
            if config is not None and not said_out(kiosk, kiosk.api.round_item(config).id):
                kiosk.switch_screen(ReserveIdentifyScreen(config, kiosk.api.round_item(config)))
        elif button_id in ("pickup", "lookup", "my-reservation") and said_out(kiosk, button_id):
            return
        elif button_id == "my-reservation":
            kiosk.switch_screen(MyReservationIdentifyScreen())
        elif button_id == "pickup":
            kiosk.switch_screen(PickupScreen())
        elif button_id == "lookup":
            kiosk.switch_screen(LookupScreen())
        elif button_id == "elder-toggle":
            kiosk.set_elder_mode(not kiosk.elder)
        elif button_id == "lang-toggle":
            kiosk.set_language("en" if self.t.is_zh else "zh-CN")
        elif button_id == "speech-toggle":
            kiosk.api.set_speech(not kiosk.api.speech_enabled)
            kiosk.show_step()  # the label anew, and the prompt said when now on

    def action_hot(self, index: int) -> None:
        buttons = list(self.query("#hot Button").results(Button))  # (the row of six)
        if index < len(buttons):
            buttons[index].press()
