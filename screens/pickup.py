"""凭码取件: a pickup code held up to the camera is redeemed (online by the platform,
offline by this kiosk where the code's item allows it: kiosk/pickups.py); the person
sees whether to take the goods, when and where the code was used already, or why not,
and always what to do next."""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Static

from contracts.errors import CodeError
from contracts.identity import Identity
from kiosk.pickups import CollectedBy, NextStep, PickupAnswer, Verdict
from screens.field_test.dock import FieldTestDock
from screens.qr_watch import QrRead, QrScreen

# Verdicts that hand goods over: shown as a success, not a problem.
HANDED_OVER = (Verdict.COLLECTED, Verdict.COLLECTED_OFFLINE)


@dataclass
class PickupAnswered(Message):
    answer: PickupAnswer


class PickupScreen(QrScreen):
    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(id="pickup"):
            yield Static(t("pickup.title"), classes="title")
            yield Static(t("pickup.prompt"), classes="prompt")
            yield Static("", id="pickup-status", classes="problem")
            yield Static("", id="pickup-details")
            yield Static("", id="pickup-next", classes="prompt")
            with Horizontal(classes="nav-row"):
                yield Button(t("common.home"), id="home", classes="nav")
        if self.api.field_test is not None:
            yield FieldTestDock(self.api.field_test, pickup=True)
        yield from self.compose_status()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#pickup-details").display = False

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
            status.update(self.t(code.key))
        else:
            status.update(self.t("qr.wrong_place_eid" if isinstance(code, Identity)
                                 else "qr.wrong_place_reference_pickup"))

    @work(thread=True, exclusive=True, group="pickup")
    def redeem(self, payload: str) -> None:
        """Off the UI thread (the platform, the outbox); a message, so a screen left
        meanwhile drops the answer."""
        self.post_message(PickupAnswered(self.api.redeem_pickup(payload)))

    def on_pickup_answered(self, message: PickupAnswered) -> None:
        answer, t = message.answer, self.t
        status = self.query_one("#pickup-status", Static)
        status.set_class(answer.verdict not in HANDED_OVER, "problem")
        status.update(self.verdict_text(answer))
        details = self.query_one("#pickup-details", Static)
        code = answer.code
        if code is not None:
            details.update(t("pickup.details", item=self.api.catalog.name_of(code.item, t.lang),
                             site=code.site, window=code.window, reference=code.ref))
        details.display = code is not None
        self.query_one("#pickup-next", Static).update(self.next_text(answer))

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
