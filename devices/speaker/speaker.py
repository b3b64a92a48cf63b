"""The loudspeaker as the rest of the kiosk sees it: sentences to say, in a language.

``say`` never blocks and never raises: the sentence waits its turn behind the one being
said; ``stop`` silences the kiosk (a new screen) and drops what waited. What happened
shows in ``status``, like any device: a kiosk without espeak-ng or without a sound card
goes on serving, silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from devices.status import DeviceStatus

# The espeak-ng voice for each kiosk language (espeak-ng --voices).
VOICES = {"zh-CN": "cmn", "en": "en"}


class SpeakerError(Exception):
    """A WAV could not be written (``write_wav``): espeak-ng missing or failing."""


@dataclass(frozen=True, slots=True)
class Utterance:
    """One sentence to say: its text, the kiosk language it is in, and whether slowly
    (elder mode)."""

    text: str
    lang: str
    slow: bool = False


class Speaker(Protocol):
    def say(self, text: str, lang: str, *, slow: bool = False) -> None:
        """Say ``text`` after what is being said; returns at once."""

    def stop(self) -> None:
        """Stop what is being said and drop what waits (returns at once)."""

    def status(self) -> DeviceStatus: ...

    def check(self) -> DeviceStatus:
        """Look again for the speech program and an audio output."""

    def close(self) -> None: ...


def voice_for(lang: str) -> str:
    try:
        return VOICES[lang]
    except KeyError:
        raise ValueError(f"no voice for language {lang!r}; one of {', '.join(VOICES)}") from None
