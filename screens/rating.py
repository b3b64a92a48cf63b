"""好差评: five levels after every service; the lowest two need a reason."""

from __future__ import annotations

import logging

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, RadioButton, RadioSet, Static

from contracts.errors import TransitionError
from contracts.wire import BAD_REVIEW_REASONS
from kiosk.applications import Rating
from screens.base import KioskScreen
from screens.card_reminder import CardReminder

log = logging.getLogger(__package__)


class Rated(Message):
    pass


class RatingScreen(KioskScreen):
    def __init__(self) -> None:
        super().__init__()
        self.rating: Rating | None = None

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(id="rating"):
            yield Static(t("rating.title"), classes="title")
            with Horizontal(id="levels"):
                for level in Rating:
                    yield Button(t(f"rating.level_{int(level)}"), id=f"rate-{int(level)}",
                                 classes="level")
            with Vertical(id="reasons"):
                yield Static(t("rating.reason_prompt"), classes="label")
                with RadioSet(id="reason"):
                    for reason in BAD_REVIEW_REASONS:
                        yield RadioButton(t(f"rating.reason_{reason}"))
            yield Static("", id="rating-problem", classes="problem")
            yield CardReminder()
            with Horizontal(classes="nav-row"):
                yield Button(t("rating.skip"), id="skip", classes="nav")
                yield Button(t("rating.submit"), id="submit", variant="success", classes="big")
        yield from self.compose_status()

    def on_mount(self) -> None:
        self.query_one("#reasons").display = False
        self.query_one("#rate-5", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        if button_id.startswith("rate-"):
            self.rating = Rating(int(button_id.removeprefix("rate-")))
            for button in self.query(".level").results(Button):
                level = int((button.id or "").removeprefix("rate-"))
                chosen = button is event.button
                # A tick as well as the highlight: colour is never the only cue.
                button.label = ("✔ " if chosen else "") + self.t(f"rating.level_{level}")
                button.set_class(chosen, "-selected")
            self.query_one("#reasons").display = self.rating.needs_reason
            self.query_one("#rating-problem", Static).update("")
        elif button_id == "skip":
            self.kiosk.reset_session()
        elif button_id == "submit":
            self.submit()

    def submit(self) -> None:
        problem = self.query_one("#rating-problem", Static)
        if self.rating is None:
            problem.update(self.t("rating.choose_level"))
            return
        reason = ""
        if self.rating.needs_reason:
            index = self.query_one("#reason", RadioSet).pressed_index
            if index < 0:
                problem.update(self.t("rating.reason_required"))
                return
            reason = BAD_REVIEW_REASONS[index]
        # Not skipped (Escape) nor sent twice while it is being recorded: the rating and
        # a reset would race for the session.
        for button in self.query(".nav-row Button").results(Button):
            button.disabled = True
        self.record(self.rating, reason)

    @work(thread=True, exclusive=True, group="submit")
    def record(self, rating: Rating, reason: str) -> None:
        try:
            self.api.rate(rating, reason)
        except TransitionError:
            # The session was reset meanwhile (F12 opens the staff PIN pad): no case to rate.
            log.info("rating dropped: the session moved on")
            return
        self.post_message(Rated())

    def on_rated(self, message: Rated) -> None:
        self.kiosk.notify(self.t("rating.thanks"), timeout=4)
        self.kiosk.reset_session()
