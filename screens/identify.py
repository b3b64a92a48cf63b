"""Who is applying: the ID card (the reader is always listening), an e-ID QR code, or typing.

Device reads run in thread workers that post messages; the screen only shows
the masked result and lets the person continue.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, ContentSwitcher, Input, Static
from textual.worker import get_current_worker

from contracts.catalog import Item
from contracts.errors import CodeError
from contracts.identity import (
    Document,
    Identity,
    IdSource,
    mask_id_number,
    mask_name,
    name_problem,
    normalise_id_number,
)
from contracts.pickup_codes import PickupCode
from devices.idcard import CardProblem, CardRemoved, ReaderEvent
from devices.status import DeviceStatus, Level
from kiosk.card_identity import identity_from_card
from kiosk.session import Session
from screens.field_test.dock import FieldTestDock
from screens.keypad import Keypad
from screens.qr_watch import POLL_S, QrRead, QrScreen


@dataclass
class CardEvent(Message):
    event: ReaderEvent


@dataclass
class ReaderStatusChanged(Message):
    status: DeviceStatus


class IdentifyScreen(QrScreen):
    prompt_key = "speech.screen.identify"
    def __init__(self, session: Session) -> None:
        super().__init__()
        # What the screen shows is taken when it is made: it may compose after the session
        # has moved on (a reset in the same frame), and must not fail then.
        assert session.item is not None
        self.item: Item = session.item
        self.identity: Identity | None = None  # identified and able to go on
        self.shown_source: IdSource | None = None  # how the identity on screen came

    def compose(self) -> ComposeResult:
        t = self.t
        item = self.item
        with Vertical(id="identify"):
            yield Static(t("identify.title"), classes="title")
            yield Static(item.name(t.lang), classes="subtitle")
            if set(item.accepts) != set(Document):
                names = t("common.list_sep").join(t(f"identify.doc_{d}") for d in item.accepts)
                yield Static(t("identify.accepts", documents=names), id="accepts")
            with Horizontal(id="methods"):
                yield Button(t("identify.by_card"), id="show-card", classes="method -selected")
                yield Button(t("identify.by_qr"), id="show-qr", classes="method")
                if item.manual_entry:  # a lower-assurance fallback, only where the item allows
                    yield Button(t("identify.by_manual"), id="show-manual", classes="method")
            with ContentSwitcher(initial="pane-card", id="panes"):
                with Vertical(id="pane-card", classes="pane"):
                    yield Static(t("identify.card_prompt"), classes="prompt")
                    yield Static("", id="card-status", classes="problem")
                    yield Static("", id="reader-status", classes="problem")
                with Vertical(id="pane-qr", classes="pane"):
                    yield Static(t("identify.qr_prompt"), classes="prompt")
                    yield Static("", id="qr-status", classes="problem")
                if item.manual_entry:
                    with Horizontal(id="pane-manual", classes="pane"):
                        with Vertical(id="manual-fields"):
                            yield Static(t("identify.manual_note"), id="manual-note")
                            yield Static(t("identify.name_label"), classes="label")
                            yield Input(id="manual-name", max_length=30)
                            yield Static("", id="manual-name-problem", classes="problem")
                            yield Static(t("identify.id_label"), classes="label")
                            yield Input(id="manual-id", max_length=18, restrict=r"[0-9Xx]*")
                            yield Static("", id="manual-id-problem", classes="problem")
                            yield Button(t("identify.manual_submit"), id="manual-submit")
                        yield Keypad(with_x=True, id="keypad")  # an ID number may end in X
            with Horizontal(id="identified"):
                yield Static("", id="identity-summary")
                yield Button(t("common.next"), id="continue", variant="success", classes="big")
            with Horizontal(classes="nav-row"):
                yield Button(t("common.back"), id="back", classes="nav")
                yield Button(t("common.home"), id="home", classes="nav")
        if self.api.field_test is not None:
            yield FieldTestDock(self.api.field_test, cards=True, eid=True)
        yield from self.compose_status()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#identified").display = False
        self.watch_card_reader()

    # -- device workers -------------------------------------------------------
    @work(thread=True, exclusive=True, group="idcard")
    def watch_card_reader(self) -> None:
        worker = get_current_worker()
        api = self.api
        shown: DeviceStatus | None = None
        while not worker.is_cancelled:
            event = api.read_card(timeout=POLL_S)
            if event is not None:
                self.post_message(CardEvent(event))
            if (status := api.reader_status()) != shown:
                shown = status
                self.post_message(ReaderStatusChanged(status))

    def on_card_event(self, message: CardEvent) -> None:
        self.switch_pane("card")
        card_status = self.query_one("#card-status", Static)
        event = message.event
        # Whatever the reader says next, an earlier card's identity no longer stands: a
        # new card, a failed read or the card taken away before continuing (issue 13).
        if self.shown_source is IdSource.CARD:
            self.forget_identity()
        if isinstance(event, CardRemoved):
            return
        if isinstance(event, CardProblem):
            card_status.update(self.t(f"idcard.{event.remedy}"))
            self.speak_result(f"idcard.{event.remedy}")
            return
        card = event.holder
        problem = self.api.card_problem(card)
        if problem:
            day = card.valid_until if problem == "expired" else card.valid_from
            card_status.update(self.t(f"idcard.{problem}", date=f"{day:%Y-%m-%d}"))
            self.speak_result(f"idcard.{problem}", date=f"{day:%Y-%m-%d}")
            return
        card_status.update("")
        self.identified(identity_from_card(card))

    def on_reader_status_changed(self, message: ReaderStatusChanged) -> None:
        fault = message.status.level is Level.FAULT
        self.query_one("#reader-status", Static).update(
            self.t("idcard.reader_fault") if fault else "")

    def on_qr_read(self, message: QrRead) -> None:
        self.switch_pane("qr")
        status = self.query_one("#qr-status", Static)
        code = self.read_code(message.payload)
        if isinstance(code, CodeError):
            status.update(self.t(code.key))
            self.speak_result(code.key)
        elif isinstance(code, Identity):
            status.update("")
            self.identified(code)
        else:  # a pickup code or a slip's reference: right code, wrong place
            kind = "pickup" if isinstance(code, PickupCode) else "reference"
            status.update(self.t(f"qr.wrong_place_{kind}"))
            self.speak_result(f"qr.wrong_place_{kind}")

    # -- showing the result ---------------------------------------------------
    def identified(self, identity: Identity) -> None:
        t = self.t
        # A card names the document read; an e-ID or typed number says how it came.
        source = t(f"identify.doc_{identity.document}" if identity.source is IdSource.CARD
                   else f"identify.source_{identity.source}")
        name = mask_name(identity.shown_name(t.lang))
        text = t("identify.summary", source=source, name=name,
                 id_number=mask_id_number(identity.id_number))
        # What the identity alone decides is said now, not after the form (issue 13).
        refusal = self.refusal_text(identity)
        self.shown_source = identity.source
        self.identity = None
        if refusal is None:
            self.identity = identity
        else:
            text += "\n" + refusal
        summary = self.query_one("#identity-summary", Static)
        summary.update(text)
        summary.set_class(refusal is not None, "problem")
        self.query_one("#continue", Button).display = refusal is None
        self.query_one("#identified").display = True
        self.query_one("#continue" if refusal is None else "#back", Button).focus()
        # Read aloud: that it worked, or the refusal (never the name or number).
        if refusal is None:
            self.speak_result("speech.identified")
        else:
            self.speak_result("speech.shown", text=refusal)

    def refusal_text(self, identity: Identity) -> str | None:
        """What the identity alone decides, in words; None: the person may go on. (The
        reservation journey asks its round instead: screens/reserve_identify.py.)"""
        t = self.t
        refusal = self.api.refusal_before_form(self.item, identity)
        if refusal is None:
            return None
        if refusal.document is not None:
            return t("identify.not_accepted", document=t(f"identify.doc_{refusal.document}"))
        return t("identify.refused", reason=refusal.reason(t.lang))

    def forget_identity(self) -> None:
        self.identity = None
        self.shown_source = None
        self.query_one("#identity-summary", Static).remove_class("problem")
        self.query_one("#identity-summary", Static).update("")
        self.query_one("#identified").display = False

    def switch_pane(self, name: str) -> None:
        self.query_one("#panes", ContentSwitcher).current = f"pane-{name}"
        for button in self.query(".method").results(Button):
            button.set_class(button.id == f"show-{name}", "-selected")

    # -- manual entry ---------------------------------------------------------
    @on(Input.Changed, "#manual-id")
    def id_typed(self, event: Input.Changed) -> None:
        # While typing, only say what is already certainly wrong.
        value = normalise_id_number(event.value)
        problem = None
        if len(value) == 18:
            problem = self.api.id_number_problem(value)
        self.show_problem("#manual-id-problem", f"problem.id_{problem}" if problem else None)

    @on(Input.Submitted, "#manual-name")
    def name_entered(self) -> None:
        self.query_one("#manual-id", Input).focus()

    @on(Input.Submitted, "#manual-id")
    @on(Button.Pressed, "#manual-submit")
    def manual_submit(self) -> None:
        name = self.query_one("#manual-name", Input).value
        id_number = normalise_id_number(self.query_one("#manual-id", Input).value)
        name_issue = name_problem(name)
        id_issue = self.api.id_number_problem(id_number)
        self.show_problem("#manual-name-problem", f"problem.{name_issue}" if name_issue else None)
        self.show_problem("#manual-id-problem", f"problem.id_{id_issue}" if id_issue else None)
        if name_issue:
            self.query_one("#manual-name", Input).focus()
        elif id_issue:
            self.query_one("#manual-id", Input).focus()
        else:
            self.identified(Identity(name=name.strip(), id_number=id_number,
                                     source=IdSource.MANUAL))

    def show_problem(self, selector: str, key: str | None) -> None:
        self.query_one(selector, Static).update(self.t(key) if key else "")

    # -- buttons --------------------------------------------------------------
    def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        kiosk = self.kiosk
        if button_id.startswith("show-"):
            name = button_id.removeprefix("show-")
            self.switch_pane(name)
            if name == "manual":
                self.query_one("#manual-name", Input).focus()
        elif button_id == "continue" and self.identity is not None:
            kiosk.advance(kiosk.session.identify, self.identity)
        elif button_id == "back":
            kiosk.advance(kiosk.session.back)
        elif button_id == "home":
            kiosk.reset_session()
