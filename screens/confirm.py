"""Check before submitting: every answer shown, personal values masked."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Static

from contracts.catalog import FieldSpec, FieldType, Item
from contracts.identity import Identity, mask_id_number, mask_name, mask_phone
from kiosk.session import Session, Submission
from screens.base import KioskScreen

log = logging.getLogger(__package__)


@dataclass
class Submitted(Message):
    submission: Submission


@dataclass
class SubmitFailed(Message):
    pass


class ConfirmScreen(KioskScreen):
    prompt_key = "speech.screen.confirm"
    def __init__(self, session: Session) -> None:
        super().__init__()
        # Taken when the screen is made, not when it composes (see IdentifyScreen).
        assert session.item is not None and session.identity is not None
        self.item: Item = session.item
        self.identity: Identity = session.identity
        self.answers = dict(session.answers)

    def compose(self) -> ComposeResult:
        t, item, identity = self.t, self.item, self.identity
        rows = [
            (t("confirm.item"), item.name(t.lang)),
            (t("confirm.name"), mask_name(identity.shown_name(t.lang))),
            (t("confirm.id_number"), mask_id_number(identity.id_number)),
        ]
        rows += [
            (t.pick(spec.label_zh, spec.label_en), self.shown(spec, self.answers[spec.key]))
            for spec in item.fields
            if spec.prefill is None or spec.prefill.value not in ("name", "id_number")
        ]
        with Vertical(id="confirm"):
            yield Static(t("confirm.title"), classes="title")
            with VerticalScroll(id="summary"):
                for label, value in rows:
                    with Horizontal(classes="row"):
                        yield Static(label, classes="row-label")
                        yield Static(value or t("confirm.blank"), classes="row-value")
            if item.documents_zh:
                documents = t.pick("、".join(item.documents_zh), ", ".join(item.documents_en))
                yield Static(t("confirm.documents", documents=documents), classes="subtitle")
            yield Static("", id="submit-problem", classes="problem")
            with Horizontal(classes="nav-row"):
                yield Button(t("confirm.edit"), id="back", classes="nav")
                yield Button(t("confirm.submit"), id="submit", variant="success", classes="big")
                yield Button(t("common.home"), id="home", classes="nav")
        yield from self.compose_status()

    def shown(self, spec: FieldSpec, value: str) -> str:
        t = self.t
        if spec.type is FieldType.CHOICE:
            return next((t.pick(c.zh, c.en) for c in spec.choices if c.value == value), value)
        if spec.type is FieldType.PHONE:
            return mask_phone(value)
        if spec.type is FieldType.ID_NUMBER:
            return mask_id_number(value)
        return value

    def on_mount(self) -> None:
        self.query_one("#submit", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "back":
            self.kiosk.advance(self.kiosk.session.back)
        elif event.button.id == "submit":
            # A second tap must not submit twice.
            for button in self.query(".nav-row Button").results(Button):
                button.disabled = True
            self.submit()
        elif event.button.id == "home":
            self.kiosk.reset_session()

    @work(thread=True, exclusive=True, group="submit")
    def submit(self) -> None:
        try:
            submission = self.api.submit()
        except Exception as exc:  # noqa: BLE001 - shown to the person, nothing is half-written
            # The type only: a message may carry what was being written.
            log.error("submission failed: %s", type(exc).__name__)
            self.post_message(SubmitFailed())
            return
        self.post_message(Submitted(submission))

    def on_submitted(self, message: Submitted) -> None:
        self.kiosk.advance(self.kiosk.session.submitted, message.submission)

    def on_submit_failed(self, message: SubmitFailed) -> None:
        self.query_one("#submit-problem", Static).update(self.t("confirm.failed"))
        for button in self.query(".nav-row Button").results(Button):
            button.disabled = False
