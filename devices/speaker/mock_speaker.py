"""A speaker that records what would have been said, in order, and says nothing.

Faithful to the driver where the kiosk can tell: ``say`` queues behind what is being
said and ``stop`` drops it all; each utterance counts as said when it is recorded. The
tests read ``said`` (the utterances since the start, or since ``clear``; at most the
last ``KEEP``, since a demo kiosk without espeak-ng runs on this mock for days and what
was said is a citizen's screen) and ``stops``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from devices.speaker.speaker import Utterance, voice_for
from devices.status import DeviceStatus

KEEP = 500  # utterances kept: a test's journey says a few dozen


@dataclass
class MockSpeaker:
    said: list[Utterance] = field(default_factory=list)
    stops: int = 0  # how many times the kiosk silenced it (each screen change)
    closed: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def say(self, text: str, lang: str, *, slow: bool = False) -> None:
        voice_for(lang)  # a language the real driver has no voice for fails here too
        with self._lock:
            self.said.append(Utterance(text, lang, slow))
            del self.said[:-KEEP]

    def stop(self) -> None:
        with self._lock:
            self.stops += 1

    def texts(self) -> list[str]:
        with self._lock:
            return [u.text for u in self.said]

    def clear(self) -> None:
        with self._lock:
            self.said.clear()
            self.stops = 0

    def status(self) -> DeviceStatus:
        return DeviceStatus.ready()

    def check(self) -> DeviceStatus:
        return self.status()

    def close(self) -> None:
        self.closed = True
