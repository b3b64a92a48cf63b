"""On-screen keypads, so numbers, codes and initials can be entered by touch alone.

Keys never take focus: they type into whichever input has it, or into the one input a
keypad was made for. A key is a plain widget that acts on every click, not a Button: a
Button ignores a press during its 0.2 s active effect, and a keypad must take every tap
("1111" tapped quickly is four ones). Only keys that mean something here are shown: "X"
only where an ID number can be typed, the 31 characters of a credit code (no I, O, S, V,
Z), and on the catalog no I, U or V while they cannot start a pinyin syllable.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from textual import events
from textual.app import ComposeResult
from textual.containers import Grid
from textual.widgets import Input, Static

from contracts.credit_code import ALPHABET as CREDIT_CODE_CHARACTERS

BACKSPACE = "⌫"
GAP = ""  # an empty cell that keeps the keys below in their columns
# Credit codes: digits first, then the letters in order, 8 to a row.
CREDIT_CODE_KEYS = (*"1234567890", *CREDIT_CODE_CHARACTERS[10:], BACKSPACE)
LETTERS = tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
PINYIN_INITIALS = tuple(c for c in LETTERS if c not in "IUV")  # no syllable starts so


class Press(Enum):
    TYPE = "type"
    BACK = "back"
    CLEAR = "clear"


class Key(Static):
    """One key: types its text into the keypad's input on each click."""

    def __init__(self, label: str, key_id: str, text: str = "",
                 press: Press = Press.TYPE) -> None:
        super().__init__(label, id=key_id, classes="key")
        self.label = label
        self.text = text or label
        self.press = press

    def on_click(self, event: events.Click) -> None:
        event.stop()
        keypad = self.parent
        target = keypad.target_input() if isinstance(keypad, Keypad) else None
        if target is None:
            return
        if self.press is Press.BACK:
            target.action_delete_left()
        elif self.press is Press.CLEAR:
            target.clear()
        else:
            target.insert_text_at_cursor(self.text)


class Keypad(Grid):
    """A grid of keys. ``target``: the selector of the input it types into (default: the
    focused input). ``clear_label``: add a key that empties the input."""

    def __init__(self, keys: Iterable[str] | None = None, *, with_x: bool = False,
                 target: str | None = None, clear_label: str = "",
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        bottom = ["X", "0", BACKSPACE] if with_x else [GAP, "0", BACKSPACE]
        self.keys = tuple(keys) if keys is not None else (*"123456789", *bottom)
        self.target = target
        self.clear_label = clear_label

    def target_input(self) -> Input | None:
        if self.target is not None:
            return self.screen.query_one(self.target, Input)
        focused = self.screen.focused
        return focused if isinstance(focused, Input) else None

    def compose(self) -> ComposeResult:
        for label in self.keys:
            if label == GAP:
                yield Static("", classes="key-gap")
            elif label == BACKSPACE:
                yield Key(label, "key-back", press=Press.BACK)
            else:
                yield Key(label, f"key-{label}")
        if self.clear_label:
            yield Key(self.clear_label, "key-clear", press=Press.CLEAR)


def credit_code_keypad(*, id: str | None = None) -> Keypad:
    """Every character a credit code can hold (so ID numbers' X and phone digits too)."""
    return Keypad(CREDIT_CODE_KEYS, id=id, classes="-wide")


def letter_keypad(*, pinyin: bool, target: str, clear_label: str,
                  id: str | None = None) -> Keypad:
    """A-Z for initials; with ``pinyin``, only the letters that can start a syllable."""
    keys = (*(PINYIN_INITIALS if pinyin else LETTERS), BACKSPACE)
    return Keypad(keys, target=target, clear_label=clear_label, id=id, classes="-letters")
