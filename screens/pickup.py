"""凭码取件: a pickup code held up to the camera is redeemed (online by the platform,
offline by this kiosk where the code's item allows it: kiosk/pickups.py); the person
sees whether to take the goods, when and where the code was used already, or why not,
and always what to do next. Goods waiting in this kiosk's cabinet open its door (the
door screen); where there is a cabinet, the ID card on the reader collects them too."""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Static
from textual.worker import get_current_worker

from contracts.errors import CodeError
from contracts.identity import Identity
from devices.idcard import CardHolder, CardProblem, CardRemoved, ReaderEvent
from kiosk.cabinet import CardCollection
from kiosk.pickups import CollectedBy, NextStep, PickupAnswer, Verdict
from screens.door import DoorScreen
from screens.field_test.dock import FieldTestDock
from screens.qr_watch import QrRead, QrScreen

POLL_S = 0.5  # a card read waits this long before the worker looks whether to stop

# Verdicts that hand goods over: shown as a success, not a problem.
HANDED_OVER = (Verdict.COLLECTED, Verdict.COLLECTED_OFFLINE)


@dataclass
class PickupAnswered(Message):
    answer: PickupAnswer


@dataclass
class PickupCardEvent(Message):
    event: ReaderEvent


@dataclass
class CabinetCollected(Message):
    collection: CardCollection | None  # None: the platform cannot be asked now


class PickupScreen(QrScreen):
    prompt_key = "speech.screen.pickup"
    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(id="pickup"):
            yield Static(t("pickup.title"), classes="title")
            yield Static(t("pickup.prompt"), classes="prompt")
            if self.api.has_cabinet:
                yield Static(t("pickup.prompt_card"), classes="prompt")
            yield Static("", id="pickup-status", classes="problem")
            yield Static("", id="pickup-details")
            yield Static("", id="pickup-next", classes="prompt")
            with Horizontal(classes="nav-row"):
                yield Button(t("common.home"), id="home", classes="nav")
        if self.api.field_test is not None:
            yield FieldTestDock(self.api.field_test, pickup=True, cards=self.api.has_cabinet)
        yield from self.compose_status()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#pickup-details").display = False

    def on_screen_suspend(self) -> None:
        super().on_screen_suspend()
        self.workers.cancel_group(self, "idcard")  # the door screen is on top now

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        if self.api.has_cabinet:
            self.watch_card_reader()

    # -- the card: collects what waits in this kiosk's cabinet ---------------------------
    @work(thread=True, exclusive=True, group="idcard")
    def watch_card_reader(self) -> None:
        worker = get_current_worker()
        while not worker.is_cancelled:
            event = self.api.read_card(timeout=POLL_S)
            if event is not None:
                self.post_message(PickupCardEvent(event))

    def on_pickup_card_event(self, message: PickupCardEvent) -> None:
        event = message.event
        if isinstance(event, CardRemoved):
            return
        self.query_one("#pickup-details").display = False
        self.query_one("#pickup-next", Static).update("")
        if isinstance(event, CardProblem):
            self.show_status(self.t(f"idcard.{event.remedy}"), problem=True)
            return
        card = event.holder
        problem = self.api.card_problem(card)
        if problem:
            day = card.valid_until if problem == "expired" else card.valid_from
            self.show_status(self.t(f"idcard.{problem}", date=f"{day:%Y-%m-%d}"), problem=True)
            return
        self.show_status(self.t("pickup.checking_card"))
        self.collect(card)

    @work(thread=True, exclusive=True, group="pickup")
    def collect(self, card: CardHolder) -> None:
        self.post_message(CabinetCollected(self.api.cabinet_collect(card)))

    def on_cabinet_collected(self, message: CabinetCollected) -> None:
        collection, t = message.collection, self.t
        if collection is None:
            self.show_status(t("pickup.card_offline"), problem=True)
        elif collection.to_open:
            self.app.push_screen(DoorScreen(list(collection.to_open)))
        elif collection.owed:  # redeemed, but their doors cannot be opened now
            self.show_status(t("pickup.card_owed", numbers=t("common.list_sep").join(
                v.compartment.label for v in collection.owed)), problem=True)
            self.query_one("#pickup-next", Static).update(t("pickup.next_ask_staff"))
        elif collection.already:
            lines = [t("pickup.card_already", reference=r.ref,
                       when=self.api.shown_time(r.redeemed_at)) for r in collection.already]
            self.show_status("\n".join(lines), problem=True)
            self.query_one("#pickup-next", Static).update(t("pickup.next_ask_staff"))
        else:
            self.show_status(t("pickup.card_nothing"), problem=True)

    def show_status(self, text: str, problem: bool = False) -> None:
        status = self.query_one("#pickup-status", Static)
        status.set_class(problem, "problem")
        status.update(text)
        self.speak_result("speech.shown", text=text)

    def on_qr_read(self, message: QrRead) -> None:
        status = self.query_one("#pickup-status", Static)
        self.query_one("#pickup-details").display = False
        self.query_one("#pickup-next", Static).update("")
        if self.api.is_pickup_code(message.payload):
            status.set_class(False, "problem")
            status.update(self.t("pickup.checking"))
            self.redeem(message.payload)
            return
        code = self.read_code(message.payload)
        status.set_class(True, "problem")
        if isinstance(code, CodeError):
            key = code.key
        else:
            key = ("qr.wrong_place_eid" if isinstance(code, Identity)
                   else "qr.wrong_place_reference_pickup")
        status.update(self.t(key))
        self.speak_result(key)

    @work(thread=True, exclusive=True, group="pickup")
    def redeem(self, payload: str) -> None:
        """Off the UI thread (the platform, the outbox); a message, so a screen left
        meanwhile drops the answer."""
        self.post_message(PickupAnswered(self.api.redeem_pickup(payload)))

    def on_pickup_answered(self, message: PickupAnswered) -> None:
        answer, t = message.answer, self.t
        if answer.next_step is NextStep.CABINET and answer.compartment is not None:
            self.show_status(self.verdict_text(answer))
            self.app.push_screen(DoorScreen([answer.compartment]))
            return
        status = self.query_one("#pickup-status", Static)
        status.set_class(answer.verdict not in HANDED_OVER, "problem")
        status.update(self.verdict_text(answer))
        self.speak_result("speech.shown", text=self.verdict_text(answer))
        details = self.query_one("#pickup-details", Static)
        code = answer.code
        if code is not None:
            details.update(t("pickup.details", item=self.api.catalog.name_of(code.item, t.lang),
                             site=code.site, window=code.window, reference=code.ref))
        details.display = code is not None
        self.query_one("#pickup-next", Static).update(self.next_text(answer))
        if self.next_text(answer):
            self.speak_result("speech.shown", text=self.next_text(answer))

    def verdict_text(self, answer: PickupAnswer) -> str:
        t = self.t
        verdict = answer.verdict
        if verdict is Verdict.ALREADY_COLLECTED:
            where = (t("pickup.by_this_kiosk", branch=self.api.branch_name(t.lang))
                     if answer.by is CollectedBy.THIS_KIOSK else t("pickup.by_another_kiosk"))
            when = self.api.shown_time(answer.collected_at) if answer.collected_at else "-"
            text = t("pickup.already_collected", when=when, where=where)
        elif verdict is Verdict.REFUSED:
            text = t(f"pickup.refused_{answer.reason}")
        else:
            text = t(f"pickup.{verdict}")
        if answer.offline and verdict in (Verdict.REFUSED, Verdict.ALREADY_COLLECTED):
            text += "\n" + t("pickup.offline_note")
        return text

    def next_text(self, answer: PickupAnswer) -> str:
        step, code = answer.next_step, answer.code
        if step is NextStep.NONE:
            return ""
        if step is NextStep.GO_TO_SITE and code is not None:
            return self.t("pickup.next_go_to_site", site=code.site, window=code.window)
        return self.t(f"pickup.next_{step}")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "home":
            self.kiosk.reset_session()
