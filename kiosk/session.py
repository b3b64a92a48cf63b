"""One citizen's visit, as an explicit state machine.

attract -> choose item -> identify -> form -> confirm -> done -> rate -> attract.
Backward steps are allowed where a person would expect them; anything may
reset to attract, which drops every piece of personal data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from kiosk.catalog import Item
from kiosk.decision import Decision
from kiosk.errors import TransitionError
from kiosk.identity import Identity


class Step(StrEnum):
    ATTRACT = "attract"
    CHOOSE_ITEM = "choose_item"
    IDENTIFY = "identify"
    FORM = "form"
    CONFIRM = "confirm"
    DONE = "done"
    RATE = "rate"


_ALLOWED: dict[Step, frozenset[Step]] = {
    Step.ATTRACT: frozenset({Step.CHOOSE_ITEM}),
    Step.CHOOSE_ITEM: frozenset({Step.IDENTIFY}),
    Step.IDENTIFY: frozenset({Step.FORM, Step.CHOOSE_ITEM}),
    Step.FORM: frozenset({Step.CONFIRM, Step.IDENTIFY}),
    Step.CONFIRM: frozenset({Step.DONE, Step.FORM}),
    Step.DONE: frozenset({Step.RATE}),
    Step.RATE: frozenset({Step.ATTRACT}),
}


@dataclass(frozen=True, slots=True)
class Submission:
    """What the outbox accepted: enough for the done screen, the slip and the rating."""

    transaction_id: str
    reference: str
    decision: Decision
    offline: bool


@dataclass
class Session:
    step: Step = Step.ATTRACT
    item: Item | None = None
    identity: Identity | None = None
    answers: dict[str, str] = field(default_factory=dict)
    submission: Submission | None = None
    rated: bool = False

    def _go(self, target: Step) -> None:
        if target not in _ALLOWED[self.step]:
            raise TransitionError(f"cannot go from {self.step} to {target}")
        self.step = target

    def start(self) -> None:
        self._go(Step.CHOOSE_ITEM)

    def choose(self, item: Item) -> None:
        """Picking an item from the home screen's hot list starts and chooses at once."""
        if self.step is Step.ATTRACT:
            self.start()
        self._go(Step.IDENTIFY)
        self.item = item

    def identify(self, identity: Identity) -> None:
        self._go(Step.FORM)
        self.identity = identity

    def fill(self, answers: dict[str, str]) -> None:
        self._go(Step.CONFIRM)
        self.answers = dict(answers)

    def submitted(self, submission: Submission) -> None:
        self._go(Step.DONE)
        self.submission = submission

    def to_rating(self) -> None:
        self._go(Step.RATE)

    def rate(self) -> None:
        if self.rated:
            raise TransitionError("this case has already been rated")
        if self.step is not Step.RATE:
            raise TransitionError(f"cannot rate from {self.step}")
        self.rated = True

    def back(self) -> None:
        previous = {
            Step.IDENTIFY: Step.CHOOSE_ITEM,
            Step.FORM: Step.IDENTIFY,
            Step.CONFIRM: Step.FORM,
        }.get(self.step)
        if previous is None:
            raise TransitionError(f"no way back from {self.step}")
        self._go(previous)
        if previous is Step.IDENTIFY:
            self.identity = None
        if previous is Step.CHOOSE_ITEM:
            self.item = None

    def reset(self) -> None:
        """Back to attract, wiping identity, answers and the case."""
        self.step = Step.ATTRACT
        self.item = None
        self.identity = None
        self.answers = {}
        self.submission = None
        self.rated = False

    @property
    def holds_personal_data(self) -> bool:
        return self.identity is not None or bool(self.answers) or self.submission is not None
