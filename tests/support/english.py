"""What the English-mode tests look for: Chinese text left on a screen (other than proper
names), and button labels that do not fit their button or their row."""

from __future__ import annotations

import re

from rich.cells import cell_len
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
    """Labels of visible buttons wider than the button, or running past their row."""
    cut = []
    for button in app.screen.query(Button).results(Button):
        if not button.display or not button.region:
            continue
        label = str(button.label)
        width = max(cell_len(line) for line in label.splitlines() or [""])
        parent = button.parent
        room = parent.content_region if isinstance(parent, Widget) else app.screen.region
        if width > button.content_region.width or button.region.right > room.right:
            cut.append(label)
    return cut
