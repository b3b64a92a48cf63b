"""An on-screen number pad, so numbers can be entered by touch alone.

Its keys never take focus: they type into whichever input has it. A key is a plain
widget that acts on every click, not a Button: a Button ignores a press during its
0.2 s active effect, and a keypad must take every tap ("1111" tapped quickly is
four ones). Only keys that mean something here are shown: "X" only where an ID
number can be typed.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Grid
from textual.widgets import Input, Static

BACKSPACE = "⌫"


class Key(Static):
    """One key: types its label into the focused input on each click."""

    def __init__(self, label: str, key_id: str) -> None:
        super().__init__(label, id=key_id, classes="key")
        self.label = label

    def on_click(self, event: events.Click) -> None:
        event.stop()
        target = self.screen.focused
        if not isinstance(target, Input):
            return
        if self.label == BACKSPACE:
            target.action_delete_left()
        else:
            target.insert_text_at_cursor(self.label)


class Keypad(Grid):
    def __init__(self, *, with_x: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.with_x = with_x

    def compose(self) -> ComposeResult:
        bottom = ["X", "0", BACKSPACE] if self.with_x else ["", "0", BACKSPACE]
        for label in ["1", "2", "3", "4", "5", "6", "7", "8", "9", *bottom]:
            if not label:
                yield Static("", classes="key-gap")  # keeps 0 under 8
                continue
            yield Key(label, "key-back" if label == BACKSPACE else f"key-{label}")
