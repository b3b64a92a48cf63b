"""好差评: five levels after every service, one tap or one key (1-5) each; the lowest two
need a reason, so they ask for one before anything is sent."""

from __future__ import annotations

import logging

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, RadioSet, Static

from contracts.errors import TransitionError
from contracts.wire import BAD_REVIEW_REASONS
from kiosk.applications import Rating
from kiosk.i18n import Translator
from screens.base import KioskScreen
from screens.card_reminder import CardReminder
from screens.choice import Option

log = logging.getLogger(__package__)


class Rated(Message):
    pass


def level_label(t: Translator, level: Rating, chosen: bool = False) -> str:
    # The key that gives it, and a tick as well as the highlight: never colour alone.
    return f"{'✔' if chosen else int(level)} {t(f'rating.level_{int(level)}')}"


def level_buttons(t: Translator) -> ComposeResult:
    """The five levels, best first, each one tap (or its number key)."""
    for level in Rating:
        yield Button(level_label(t, level), id=f"rate-{int(level)}", classes="level")


class RatingScreen(KioskScreen):
    prompt_key = "speech.screen.rating"
    BINDINGS = [
        Binding(str(n), f"level({n})", show=False, id=f"rating.level{n}") for n in range(1, 6)
    ]

    def __init__(self, level: int | None = None) -> None:
        super().__init__()
        self.rating: Rating | None = None
        self.initial = level  # chosen on the done screen

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(id="rating"):
            yield Static(t("rating.title"), classes="title")
            with Horizontal(id="levels"):
                yield from level_buttons(t)
            with Vertical(id="reasons"):
                yield Static(t("rating.reason_prompt"), classes="label")
                with RadioSet(id="reason"):
                    for reason in BAD_REVIEW_REASONS:
                        yield Option(t(f"rating.reason_{reason}"))
            yield Static("", id="rating-problem", classes="problem")
            yield CardReminder()
            with Horizontal(classes="nav-row"):
                yield Button(t("rating.skip"), id="skip", classes="nav")
                yield Button(t("rating.submit"), id="submit", variant="success", classes="big")
        yield from self.compose_status()

    def on_mount(self) -> None:
        self.show_reasons(False)
        self.query_one("#rate-5", Button).focus()
        if self.initial is not None:
            self.action_level(self.initial)

    def show_reasons(self, on: bool) -> None:
        self.query_one("#reasons").display = on
        self.query_one("#submit").display = on  # a good rating is sent by its own tap

    def action_level(self, level: int) -> None:
        self.query_one(f"#rate-{level}", Button).press()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button_id = event.button.id or ""
        if button_id.startswith("rate-"):
            if self.query_one("#submit", Button).disabled:
                return  # already being sent
            self.rating = Rating(int(button_id.removeprefix("rate-")))
            for button in self.query(".level").results(Button):
                level = Rating(int((button.id or "").removeprefix("rate-")))
                chosen = button is event.button
                button.label = level_label(self.t, level, chosen)
                button.set_class(chosen, "-selected")
            self.query_one("#rating-problem", Static).update("")
            if self.rating.needs_reason:
                self.show_reasons(True)
                self.query_one("#reason", RadioSet).focus()
            else:
                self.submit()
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
