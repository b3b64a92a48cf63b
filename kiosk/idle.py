"""The idle timeout, as pure logic over an injected clock.

The app ticks it about once a second; tests advance a fake clock and tick.
A warning comes ``warning_s`` before the reset, one touch extends, and the
countdown is paused while a slip prints (a person waiting at the printer
is not idle).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from contracts.clock import Clock


class IdleState(StrEnum):
    ACTIVE = "active"
    WARNING = "warning"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class IdleStatus:
    state: IdleState
    seconds_left: int


class IdleMonitor:
    def __init__(self, clock: Clock, timeout_s: float, warning_s: float) -> None:
        if warning_s < 30 or warning_s >= timeout_s:
            raise ValueError("warning_s must be at least 30 and less than timeout_s")
        self._clock = clock
        self.timeout_s = timeout_s
        self.warning_s = warning_s
        self._last = clock.monotonic()
        self._pauses = 0

    def touch(self) -> None:
        """Any key or tap: the person is still here."""
        self._last = self._clock.monotonic()

    def pause(self) -> None:
        self._pauses += 1

    def resume(self) -> None:
        """End one pause; the full timeout starts again from now."""
        self._pauses = max(0, self._pauses - 1)
        self.touch()

    @property
    def paused(self) -> bool:
        return self._pauses > 0

    def status(self) -> IdleStatus:
        if self.paused:
            return IdleStatus(IdleState.ACTIVE, int(self.timeout_s))
        left = self.timeout_s - (self._clock.monotonic() - self._last)
        if left <= 0:
            return IdleStatus(IdleState.EXPIRED, 0)
        if left <= self.warning_s:
            return IdleStatus(IdleState.WARNING, int(left + 0.999))
        return IdleStatus(IdleState.ACTIVE, int(left))
