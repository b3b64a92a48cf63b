"""kiosk.session: one visit as a state machine."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from contracts.catalog import Item
from contracts.errors import TransitionError
from contracts.identity import Identity, IdSource
from kiosk.decision import Decision, Outcome
from kiosk.session import Session, Step, Submission

ITEM = Item.model_validate(
    {
        "id": "mask-reservation",
        "name_zh": "口罩预约",
        "name_en": "Mask reservation",
        "category": "personal",
        "department_zh": "卫健委",
        "department_en": "Health Commission",
        "fields": [{"key": "phone", "type": "phone", "label_zh": "手机", "label_en": "Phone"}],
    }
)
OTHER_ITEM = ITEM.model_copy(update={"id": "other-item"})
ALICE = Identity(name="张三", id_number="310104198506121230", source=IdSource.CARD)
BOB = Identity(name="李四", id_number="11010519491231002X", source=IdSource.QR)
ANSWERS = {"phone": "13812341234"}
SUBMISSION = Submission(transaction_id="t-1", reference="R0001", decision=Decision(Outcome.REVIEW),
                        offline=False)

# Each action, as a call on a session.
ACTIONS: dict[str, Callable[[Session], None]] = {
    "start": lambda s: s.start(),
    "choose": lambda s: s.choose(OTHER_ITEM),
    "identify": lambda s: s.identify(BOB),
    "fill": lambda s: s.fill({"phone": "13900000000"}),
    "submitted": lambda s: s.submitted(SUBMISSION),
    "to_rating": lambda s: s.to_rating(),
    "rate": lambda s: s.rate(),
    "back": lambda s: s.back(),
}

LEGAL = {
    Step.ATTRACT: {"start", "choose"},
    Step.CHOOSE_ITEM: {"choose"},
    Step.IDENTIFY: {"identify", "back"},
    Step.FORM: {"fill", "back"},
    Step.CONFIRM: {"submitted", "back"},
    Step.DONE: {"to_rating"},
    Step.RATE: {"rate"},
}


def session_at(step: Step) -> Session:
    """A session brought to ``step`` along the happy path."""
    s = Session()
    path = [
        (Step.CHOOSE_ITEM, lambda: s.start()),
        (Step.IDENTIFY, lambda: s.choose(ITEM)),
        (Step.FORM, lambda: s.identify(ALICE)),
        (Step.CONFIRM, lambda: s.fill(ANSWERS)),
        (Step.DONE, lambda: s.submitted(SUBMISSION)),
        (Step.RATE, lambda: s.to_rating()),
    ]
    for reached, go in path:
        if s.step is step:
            break
        go()
        assert s.step is reached
    return s


def snapshot(s: Session) -> tuple[object, ...]:
    return (s.step, s.item, s.identity, dict(s.answers), s.submission, s.rated)


# -- the happy path ------------------------------------------------------------------------


def test_full_happy_path() -> None:
    s = Session()
    # A tuple, not `is`: mypy would keep s.step narrowed to ATTRACT past s.start().
    assert (s.step, s.holds_personal_data) == (Step.ATTRACT, False)

    s.start()
    assert s.step is Step.CHOOSE_ITEM
    s.choose(ITEM)
    assert (s.step, s.item) == (Step.IDENTIFY, ITEM)
    assert not s.holds_personal_data
    s.identify(ALICE)
    assert (s.step, s.identity) == (Step.FORM, ALICE)
    assert s.holds_personal_data
    s.fill(ANSWERS)
    assert (s.step, s.answers) == (Step.CONFIRM, ANSWERS)
    s.submitted(SUBMISSION)
    assert (s.step, s.submission) == (Step.DONE, SUBMISSION)
    s.to_rating()
    assert s.step is Step.RATE and not s.rated
    s.rate()
    assert s.rated and s.step is Step.RATE

    s.reset()
    assert snapshot(s) == (Step.ATTRACT, None, None, {}, None, False)


def test_choose_from_attract_goes_straight_to_identify() -> None:
    s = Session()
    s.choose(ITEM)
    assert (s.step, s.item) == (Step.IDENTIFY, ITEM)


def test_fill_keeps_a_copy_of_the_answers() -> None:
    s = session_at(Step.FORM)
    answers = dict(ANSWERS)
    s.fill(answers)
    answers["phone"] = "changed"
    assert s.answers == ANSWERS


# -- illegal transitions -----------------------------------------------------------------------

ILLEGAL = [
    pytest.param(step, action)
    for step in Step
    for action in ACTIONS
    if action not in LEGAL[step]
]


@pytest.mark.parametrize(("step", "action"), ILLEGAL)
def test_every_illegal_transition_raises_and_changes_nothing(step: Step, action: str) -> None:
    s = session_at(step)
    before = snapshot(s)
    with pytest.raises(TransitionError):
        ACTIONS[action](s)
    assert snapshot(s) == before


@pytest.mark.parametrize(("step", "action"), [(st, a) for st in Step for a in sorted(LEGAL[st])])
def test_every_legal_transition_is_accepted(step: Step, action: str) -> None:
    s = session_at(step)
    ACTIONS[action](s)


def test_named_illegal_cases() -> None:
    s = session_at(Step.CHOOSE_ITEM)
    with pytest.raises(TransitionError):
        s.fill(ANSWERS)  # fill before identify
    s = session_at(Step.FORM)
    with pytest.raises(TransitionError):
        s.submitted(SUBMISSION)  # submitted from form, skipping confirm
    s = session_at(Step.DONE)
    with pytest.raises(TransitionError):
        s.rate()  # rate before the rating step


def test_rate_twice_raises() -> None:
    s = session_at(Step.RATE)
    s.rate()
    with pytest.raises(TransitionError, match="already been rated"):
        s.rate()
    assert s.rated


# -- back ---------------------------------------------------------------------------------------


def test_back_from_identify_drops_the_item() -> None:
    s = session_at(Step.IDENTIFY)
    s.back()
    assert (s.step, s.item) == (Step.CHOOSE_ITEM, None)
    s.choose(OTHER_ITEM)
    assert (s.step, s.item) == (Step.IDENTIFY, OTHER_ITEM)


def test_back_from_form_drops_the_identity_and_keeps_the_item() -> None:
    s = session_at(Step.FORM)
    s.back()
    assert (s.step, s.item, s.identity) == (Step.IDENTIFY, ITEM, None)
    assert not s.holds_personal_data
    s.identify(BOB)
    assert (s.step, s.identity) == (Step.FORM, BOB)


def test_back_from_confirm_keeps_identity_and_answers_for_editing() -> None:
    s = session_at(Step.CONFIRM)
    s.back()
    assert (s.step, s.item, s.identity, s.answers) == (Step.FORM, ITEM, ALICE, ANSWERS)
    s.fill({"phone": "13900000000"})
    assert s.answers == {"phone": "13900000000"}


def test_back_to_identify_drops_the_answers_of_the_previous_identity() -> None:
    s = session_at(Step.CONFIRM)
    s.back()  # to form
    s.back()  # to identify: someone else may now identify
    assert s.identity is None
    assert s.answers == {}
    assert not s.holds_personal_data


# -- reset ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("step", list(Step))
def test_reset_wipes_everything_from_any_step(step: Step) -> None:
    s = session_at(step)
    if step is Step.RATE:
        s.rate()
    s.reset()
    assert snapshot(s) == (Step.ATTRACT, None, None, {}, None, False)
    assert not s.holds_personal_data
    s.choose(ITEM)  # a fresh visit can begin
    assert s.step is Step.IDENTIFY


@pytest.mark.parametrize("step", [Step.FORM, Step.CONFIRM, Step.DONE, Step.RATE])
def test_holds_personal_data_once_identified(step: Step) -> None:
    assert session_at(step).holds_personal_data
