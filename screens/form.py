"""A short form built from the item's field definitions, prefilled from the identity.

Name and ID number come from the identity and are shown masked, never as an
editable box. Problems are checked by the core and shown under each field.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, RadioSet, Static

from contracts.catalog import FieldSpec, FieldType, Item, Prefill
from contracts.identity import Identity, mask_id_number, mask_name
from kiosk.forms import normalise
from kiosk.session import Session
from screens.base import KioskScreen
from screens.choice import Option
from screens.keypad import Keypad, credit_code_keypad

_RESTRICT = {
    FieldType.PHONE: r"[0-9]*",
    FieldType.ID_NUMBER: r"[0-9Xx]*",
    FieldType.DATE: r"[0-9-]*",
    # The 31 characters of GB 32100 in either case (upper-cased as typed).
    FieldType.CREDIT_CODE: r"[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]*",
}
_MAX = {FieldType.PHONE: 11, FieldType.ID_NUMBER: 18, FieldType.DATE: 10,
        FieldType.CREDIT_CODE: 18}
_KEYED = set(_RESTRICT)  # typed on an on-screen keypad


def _from_identity(spec: FieldSpec, identity: Identity) -> str:
    return {
        Prefill.NAME: identity.name,
        Prefill.ID_NUMBER: identity.id_number,
        Prefill.ADDRESS: identity.address,
        Prefill.PHONE: identity.phone,
    }[spec.prefill] if spec.prefill else ""


class FormScreen(KioskScreen):
    prompt_key = "speech.screen.form"
    def __init__(self, session: Session) -> None:
        super().__init__()
        # Taken when the screen is made, not when it composes (see IdentifyScreen).
        assert session.item is not None and session.identity is not None
        self.item: Item = session.item
        self.identity: Identity = session.identity
        self.previous = dict(session.answers)
        # Back from the confirm screen to change an answer: no moving on by itself then.
        self.first_visit = not session.answers

    def compose(self) -> ComposeResult:
        t, item, identity = self.t, self.item, self.identity
        typed = [f for f in item.fields if f.type in _KEYED and not self.locked(f)]
        with Vertical(id="form"):
            yield Static(item.name(t.lang), classes="title")
            yield Static(t("form.hint"), classes="subtitle")
            with Horizontal(id="form-body"):
                with VerticalScroll(id="fields"):
                    for spec in item.fields:
                        yield from self.compose_field(spec, identity, self.previous)
                if any(f.type is FieldType.CREDIT_CODE for f in typed):
                    yield credit_code_keypad(id="keypad")  # its digits serve the rest
                elif typed:  # "X" only where an ID number is typed here
                    yield Keypad(with_x=any(f.type is FieldType.ID_NUMBER for f in typed),
                                 id="keypad")
            with Horizontal(classes="nav-row"):
                yield Button(t("common.back"), id="back", classes="nav")
                yield Button(t("common.next"), id="next", variant="success", classes="big")
                yield Button(t("common.home"), id="home", classes="nav")
        yield from self.compose_status()

    def locked(self, spec: FieldSpec) -> bool:
        """Name and ID number from the identity are shown masked and not edited here."""
        return spec.prefill in (Prefill.NAME, Prefill.ID_NUMBER)

    def compose_field(
        self, spec: FieldSpec, identity: Identity, previous: dict[str, str]
    ) -> ComposeResult:
        t = self.t
        label = t.pick(spec.label_zh, spec.label_en)
        marker = t("form.required") if spec.required else t("form.optional")
        yield Static(f"{label}  {marker}", classes="label")
        value = previous.get(spec.key) or _from_identity(spec, identity)
        if self.locked(spec):
            shown = (mask_name(identity.shown_name(t.lang)) if spec.prefill is Prefill.NAME
                     else mask_id_number(value))
            yield Static(f"{shown}  {t('form.from_identity')}", id=f"field-{spec.key}",
                         classes="locked")
        elif spec.type is FieldType.CHOICE:
            with RadioSet(id=f"field-{spec.key}"):
                for choice in spec.choices:
                    yield Option(t.pick(choice.zh, choice.en), value=choice.value == value)
        else:
            yield Input(
                value=value,
                id=f"field-{spec.key}",
                placeholder=self.placeholder(spec),
                max_length=_MAX.get(spec.type, spec.max_length),
                restrict=_RESTRICT.get(spec.type),
            )
        yield Static("", id=f"problem-{spec.key}", classes="problem")

    def placeholder(self, spec: FieldSpec) -> str:
        if spec.type is FieldType.CREDIT_CODE:
            return self.t("keypad.placeholder_credit_code")
        return self.t(f"form.placeholder_{spec.type.name.lower()}")

    def on_mount(self) -> None:
        editable = self.query("#fields Input, #fields RadioSet")
        (editable.first() if editable else self.query_one("#next")).focus()

    # -- reading and checking answers -----------------------------------------
    def answer(self, spec: FieldSpec) -> str:
        if self.locked(spec):
            return _from_identity(spec, self.identity)
        widget = self.query_one(f"#field-{spec.key}")
        if isinstance(widget, RadioSet):
            index = widget.pressed_index
            return spec.choices[index].value if index >= 0 else ""
        assert isinstance(widget, Input)
        return widget.value

    def check(self, spec: FieldSpec, while_typing: bool) -> bool:
        problem = self.api.answer_problem(spec, self.answer(spec), while_typing)
        text = self.t(f"problem.{problem}") if problem else ""
        self.query_one(f"#problem-{spec.key}", Static).update(text)
        return problem is None

    def spec_of(self, widget_id: str | None) -> FieldSpec | None:
        item = self.item
        if not widget_id or not widget_id.startswith("field-"):
            return None
        return item.field(widget_id.removeprefix("field-"))

    def on_input_changed(self, event: Input.Changed) -> None:
        spec = self.spec_of(event.input.id)
        if spec is None:
            return
        if spec.type is FieldType.CREDIT_CODE and event.value != event.value.upper():
            event.input.value = event.value.upper()  # checked when that change arrives
            return
        self.check(spec, while_typing=True)

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        if spec := self.spec_of(event.radio_set.id):
            self.check(spec, while_typing=False)
            if self.first_visit and self.all_chosen():
                self.submit()  # the last choice made is the form done: no extra "next" tap

    def all_chosen(self) -> bool:
        """A form of choices only (the rest from the identity), every one answered."""
        # The screen's own item: a choice made in the frame the session was reset finds
        # none in the session (found by the monkey test).
        open_fields = [spec for spec in self.item.fields if not self.locked(spec)]
        return all(spec.type is FieldType.CHOICE and self.answer(spec) for spec in open_fields)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        kiosk = self.kiosk
        if event.button.id == "back":
            kiosk.advance(kiosk.session.back)
        elif event.button.id == "next":
            self.submit()
        elif event.button.id == "home":
            kiosk.reset_session()

    def submit(self) -> None:
        item = self.item
        failing = [spec for spec in item.fields if not self.check(spec, while_typing=False)]
        if failing:
            self.query_one(f"#field-{failing[0].key}").focus()
            return
        answers = {spec.key: normalise(spec, self.answer(spec)) for spec in item.fields}
        self.kiosk.advance(self.kiosk.session.fill, answers)
