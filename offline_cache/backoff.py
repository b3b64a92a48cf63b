"""Exponential backoff with jitter, so a fleet does not retry in step.

The n-th failure in a row waits between half and all of min(cap, base * 2**(n-1))
("equal jitter"): never zero, so a kiosk never hammers a failing platform, and
spread out, so kiosks that failed together do not come back together.
"""

from __future__ import annotations

import random


class Backoff:
    def __init__(self, base_s: float, cap_s: float, rng: random.Random) -> None:
        if not 0 < base_s <= cap_s:
            raise ValueError("backoff needs 0 < base <= cap")
        self.base_s = base_s
        self.cap_s = cap_s
        self._rng = rng
        self.failures = 0

    def failed(self) -> float:
        """Count a failure; the seconds to wait before the next try."""
        self.failures += 1
        ceiling = min(self.cap_s, self.base_s * 2 ** min(self.failures - 1, 32))
        return self._rng.uniform(ceiling / 2, ceiling)

    def succeeded(self) -> None:
        self.failures = 0
