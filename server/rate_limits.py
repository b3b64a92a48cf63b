"""Per-credential rate limits: a kiosk serves people, not thousands a minute.

Invariant: for each (credential, kind) at most ``limit`` requests are let through in
any ``window`` of the platform's clock (a sliding log of the moments let through); a
request over the limit is refused with the seconds until one falls out of the window,
and is not counted itself, so a caller that waits that long always gets through.
One lock guards the log: the platform serves requests from a thread pool. The log lives
in the process (one platform process per database); a restart forgets it, the audit
trail (server.audit) keeps the refusals.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

log = logging.getLogger(__package__)

# What is limited: each a separate budget per credential.
Kind = Literal["case_lookup", "entry_lookup", "entry", "redeem", "cabinet_collect"]
KINDS: tuple[Kind, ...] = ("case_lookup", "entry_lookup", "entry", "redeem",
                           "cabinet_collect")
# One person at a kiosk takes a minute or more; 30 a minute leaves room for a queue of
# staff-assisted entries and retries, and makes trying 1,000 ID numbers take 33 minutes
# (and show up as an anomaly at once) instead of 11 seconds.
PER_MINUTE = 30
WINDOW = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Requests allowed per ``window`` for each kind (a kind left out: ``default``)."""

    default: int = PER_MINUTE
    per_kind: Mapping[str, int] = field(default_factory=dict)
    window: timedelta = WINDOW

    def limit(self, kind: Kind) -> int:
        return self.per_kind.get(kind, self.default)


class RateLimited(Exception):
    """Over the limit: try again in ``retry_after`` whole seconds."""

    def __init__(self, kind: Kind, retry_after: int) -> None:
        super().__init__(f"too many {kind} requests: try again in {retry_after} s")
        self.kind, self.retry_after = kind, retry_after


class RateLimiter:
    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, Kind], deque[datetime]] = {}
        self._refusing: set[tuple[str, Kind]] = set()  # warned once per episode

    def check(self, who: str, kind: Kind, now: datetime) -> None:
        """Count one request of ``kind`` by credential ``who``, or raise RateLimited."""
        limit, window = self.limits.limit(kind), self.limits.window
        with self._lock:
            seen = self._seen.setdefault((who, kind), deque())
            while seen and seen[0] <= now - window:
                seen.popleft()
            if len(seen) < limit:
                seen.append(now)
                self._refusing.discard((who, kind))
                return
            wait = (seen[0] + window - now).total_seconds() if seen else window.total_seconds()
            first = (who, kind) not in self._refusing
            self._refusing.add((who, kind))
        retry_after = max(1, math.ceil(wait))
        if first:  # one line per episode, not one per refused request of a flood
            # Credential and kind only: the request's body (a document number) stays out.
            log.warning("rate limit: %s exceeded %d %s requests per %d s (anomaly for"
                        " staff); refused for %d s", who, limit, kind,
                        int(window.total_seconds()), retry_after)
        raise RateLimited(kind, retry_after)
