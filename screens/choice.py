"""A choice option that shows it is chosen by shape, not only by colour."""

from __future__ import annotations

from textual.widgets import RadioButton

CHOSEN = "✔"
NOT_CHOSEN = " "


class Option(RadioButton):
    """A radio option whose button holds a tick when chosen (Textual's shows a dot either
    way, coloured differently: not enough for a colour-blind or older eye)."""

    BUTTON_INNER = NOT_CHOSEN

    def watch_value(self) -> None:
        self.BUTTON_INNER = CHOSEN if self.value else NOT_CHOSEN
        super().watch_value()  # the -on class and the Changed message
