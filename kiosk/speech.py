"""Spoken prompts (issue 18): whether the kiosk reads aloud now, and what it says.

For people who cannot read the screen well. Each visitor starts with it off (or on, when
the kiosk's config says so for everyone); elder mode turns it on; the home screen's
toggle is the visitor's own choice and wins over both until the visit ends. When a
screen shows, its main prompt is said and cuts off whatever the last screen was saying;
a result on that screen (done, refused, a problem) is said after it. Every word comes
from the i18n catalog, in the visitor's language, slower in elder mode.

Nothing said is logged: a result may carry what the screen shows its citizen (a
reference number, a refusal's reason), and the log is not theirs.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, field

from devices.speaker import Speaker
from kiosk.i18n import Translator

log = logging.getLogger(__package__)


@dataclass
class SpeechPolicy:
    speaker: Speaker
    on_for_everyone: bool = False  # the config's default for every visitor
    on_in_elder_mode: bool = True  # elder mode turns it on (unless the visitor said no)
    elder: bool = field(default=False, init=False)
    chosen: bool | None = field(default=None, init=False)  # the visitor's toggle

    @property
    def enabled(self) -> bool:
        if self.chosen is not None:
            return self.chosen
        return self.on_for_everyone or (self.on_in_elder_mode and self.elder)

    def set_elder(self, on: bool) -> None:
        """Elder mode turned on or off: on by default with it, and said slowly."""
        was = self.enabled
        self.elder = on
        if was and not self.enabled:
            self.speaker.stop()

    def choose(self, on: bool) -> None:
        """The visitor's toggle: holds until the visit ends (``reset``)."""
        self.chosen = on
        log.info("spoken prompts turned %s by the visitor", "on" if on else "off")
        if not on:
            self.speaker.stop()

    def reset(self) -> None:
        """The next visitor: their own choice, normal mode, and silence now."""
        self.chosen = None
        self.elder = False
        self.speaker.stop()

    def screen(self, prompt_key: str, lang: str, **values: object) -> str | None:
        """A screen shows: what was being said stops, and its prompt is said (when on and
        it has one). Returns the words said, or None."""
        self.speaker.stop()
        if not prompt_key:
            return None
        return self._say(prompt_key, lang, values)

    def result(self, key: str, lang: str, **values: object) -> str | None:
        """A result on the screen, said after what is being said. Returns the words, or
        None when spoken prompts are off."""
        return self._say(key, lang, values)

    def _say(self, key: str, lang: str, values: dict[str, object]) -> str | None:
        if not self.enabled:
            return None
        text = speakable(Translator(lang)(key, **values))
        if text:
            self.speaker.say(text, lang, slow=self.elder)
        return text


def speakable(text: str) -> str:
    """The words without the screen's symbols (✔ ✖ ● ★: a voice would name them) or its
    line breaks."""
    kept = "".join(" " if ch == "\n" else ch for ch in text
                   if unicodedata.category(ch) != "So")
    return " ".join(kept.split())
