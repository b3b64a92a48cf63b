"""An on-screen number pad, so numbers can be entered by touch alone.

Its keys never take focus: they type into whichever input has it.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid
from textual.widgets import Button, Input

_KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "X", "0", "⌫"]


class Keypad(Grid):
    def compose(self) -> ComposeResult:
        for key in _KEYS:
            button = Button(key, id="key-back" if key == "⌫" else f"key-{key}", classes="key")
            button.can_focus = False
            yield button

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        target = self.screen.focused
        if not isinstance(target, Input):
            return
        label = str(event.button.label)
        if label == "⌫":
            target.action_delete_left()
        else:
            target.insert_text_at_cursor(label)
