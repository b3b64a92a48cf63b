"""One citizen's visit, as an explicit state machine.

attract -> choose item -> identify -> form -> confirm -> done -> rate -> attract.
Backward steps are allowed where a person would expect them; anything may
reset to attract, which drops every piece of personal data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from contracts.catalog import Item
from contracts.errors import TransitionError
from contracts.identity import Identity
from kiosk.decision import Decision


class Step(StrEnum):
    ATTRACT = "attract"
    CHOOSE_ITEM = "choose_item"
    IDENTIFY = "identify"
    FORM = "form"
    CONFIRM = "confirm"
    DONE = "done"
    RATE = "rate"


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

    def _go(self, source: Step, target: Step) -> None:
        # Each forward step has exactly one place it may come from; back() has its own map.
        if self.step is not source:
            raise TransitionError(f"cannot go to {target} from {self.step}")
        self.step = target

    def start(self) -> None:
        self._go(Step.ATTRACT, Step.CHOOSE_ITEM)

    def choose(self, item: Item) -> None:
        """Picking an item from the home screen's hot list starts and chooses at once."""
        if self.step is Step.ATTRACT:
            self.start()
        self._go(Step.CHOOSE_ITEM, Step.IDENTIFY)
        self.item = item

    def identify(self, identity: Identity) -> None:
        self._go(Step.IDENTIFY, Step.FORM)
        self.identity = identity

    def fill(self, answers: dict[str, str]) -> None:
        self._go(Step.FORM, Step.CONFIRM)
        self.answers = dict(answers)

    def submitted(self, submission: Submission) -> None:
        self._go(Step.CONFIRM, Step.DONE)
        self.submission = submission

    def to_rating(self) -> None:
        self._go(Step.DONE, Step.RATE)

    def rate(self) -> None:
        if self.rated:
            raise TransitionError("this case has already been rated")
        if self.step is not Step.RATE:
            raise TransitionError(f"cannot rate from {self.step}")
        self.rated = True

    def back(self) -> None:
        """One step back; whatever belonged to the later step is dropped with it."""
        if self.step is Step.CONFIRM:
            self.step = Step.FORM  # the answers stay, to be edited
        elif self.step is Step.FORM:
            self.step = Step.IDENTIFY
            self.identity = None
            self.answers = {}  # they were filled for that person
        elif self.step is Step.IDENTIFY:
            self.step = Step.CHOOSE_ITEM
            self.item = None
        else:
            raise TransitionError(f"no way back from {self.step}")

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
