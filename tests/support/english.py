"""What the English-mode tests look for: Chinese text left on a screen (other than proper
names), and button labels that do not fit their button or their row."""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.text import Text
from textual.app import App
from textual.widget import Widget
from textual.widgets import Button

# Han characters and full-width punctuation (a full-width colon is Chinese typesetting).
HAN = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]")


def foreign_text(text: str, proper_names: list[str]) -> list[str]:
    """The lines of ``text`` with Chinese in them once the proper names are taken out."""
    for name in proper_names:
        text = text.replace(name, "")
    return sorted({line.strip() for line in text.splitlines() if HAN.search(line)})


def labels_cut_short(app: App[None]) -> list[str]:
    """Labels of visible buttons that do not fit in the button (a word wider than it, or
    more wrapped lines than it has rows), or buttons running past their row. A label
    that wraps at a space onto a row the button has is not cut."""
    cut = []
    for button in app.screen.query(Button).results(Button):
        if not button.display or not button.region:
            continue
        label = str(button.label)
        box = button.content_region
        rows = Text(label).wrap(app.console, max(box.width, 1), overflow="fold")
        words = [word for line in label.splitlines() for word in line.split()]
        too_wide = any(cell_len(word) > box.width for word in words)
        parent = button.parent
        room = parent.content_region if isinstance(parent, Widget) else app.screen.region
        if too_wide or len(rows) > box.height or button.region.right > room.right:
            cut.append(label)
    return cut
