"""Time as a dependency: the kiosk asks a clock, tests hand in a fake one."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float:
        """Seconds from an arbitrary start; never goes back (timers use this)."""

    def now(self) -> datetime:
        """Wall-clock time, timezone-aware (stamps and ages; may drift)."""


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC).astimezone()


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._mono = 1000.0
        self._now = start or datetime(2026, 11, 23, 9, 30, tzinfo=UTC)

    def monotonic(self) -> float:
        return self._mono

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        from datetime import timedelta

        self._mono += seconds
        self._now += timedelta(seconds=seconds)


def age_on(birth: date, today: date) -> int:
    """Whole years completed on ``today`` (a 29 February birthday ages on 1 March)."""
    years = today.year - birth.year
    if (today.month, today.day) < (birth.month, birth.day):
        years -= 1
    return years
