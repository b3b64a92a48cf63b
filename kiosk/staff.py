"""Staff access: a PIN checked against a salted PBKDF2 hash from the config, reached
with F12 or, on a kiosk without a keyboard, a long press on a corner of the status bar.

The config never holds the PIN itself; ``python main.py staff-pin`` makes the hash.
Wrong PINs lock sign-in for longer and longer, and the count and the lock are kept in
the kiosk's store, so restarting the kiosk gives no fresh tries (docs/security/
transport.md has the arithmetic).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from datetime import timedelta
from typing import Protocol

from contracts.clock import Clock
from offline_cache.staff_lockout import LockoutRecord

_SCHEME = "pbkdf2_sha256"
_ITERATIONS = 200_000
# Wrong PINs in a row before staff sign-in locks (each further MAX_ATTEMPTS lock again).
MAX_ATTEMPTS = 3
# The first lockout; each next one is twice as long, up to the cap.
LOCKOUT_S = 300
MAX_LOCKOUT_S = 24 * 3600


def lockout_s(failures: int) -> float:
    """How long sign-in locks after ``failures`` wrong PINs since the last right one:
    nothing before the third, then 5 min, 10, 20 ... doubling up to a day."""
    rounds = failures // MAX_ATTEMPTS
    return 0.0 if rounds == 0 else float(min(LOCKOUT_S * 2 ** min(rounds - 1, 20),
                                             MAX_LOCKOUT_S))


def hash_pin(pin: str, *, salt: str | None = None, iterations: int = _ITERATIONS) -> str:
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt.encode(), iterations)
    return f"{_SCHEME}${iterations}${salt}${digest.hex()}"


def pin_hash_problem(stored: str) -> str | None:
    """None when ``stored`` is a hash this module can check, else what is wrong with it."""
    parts = stored.split("$")
    if len(parts) != 4 or parts[0] != _SCHEME or not parts[2] or len(parts[3]) != 64:
        return f"must look like {_SCHEME}$ITERATIONS$SALT$HEX (make one with: main.py staff-pin)"
    if not parts[1].isdigit() or int(parts[1]) < 10_000:
        return "iterations must be a number of at least 10000"
    try:
        bytes.fromhex(parts[3])
    except ValueError:
        return "the digest is not hexadecimal"
    return None


def verify_pin(pin: str, stored: str) -> bool:
    if pin_hash_problem(stored) is not None:
        return False
    _, iterations, salt, _ = stored.split("$")
    expected = hash_pin(pin, salt=salt, iterations=int(iterations))
    return hmac.compare_digest(expected, stored)


class LockoutStore(Protocol):
    """Where the gate keeps its count (the kiosk's store; in memory without one)."""

    def load(self) -> LockoutRecord: ...

    def save(self, record: LockoutRecord) -> None: ...


class MemoryLockout:
    """A lockout that lasts as long as the process (tests, a kiosk API without a store)."""

    def __init__(self) -> None:
        self.record = LockoutRecord()

    def load(self) -> LockoutRecord:
        return self.record

    def save(self, record: LockoutRecord) -> None:
        self.record = record


class PinGate:
    """Wrong PINs counted across visits to the PIN pad and across restarts: every
    ``MAX_ATTEMPTS``-th wrong one in a row locks staff sign-in for ``lockout_s``.

    A check is noted as begun (``checking``) before the slow PBKDF2 runs; a kiosk
    restarted mid-check counts it as wrong, so cutting the power saves no guess."""

    def __init__(self, clock: Clock, store: LockoutStore | None = None) -> None:
        self._clock = clock
        self._store = store or MemoryLockout()
        self._lock = threading.Lock()
        record = self._store.load()
        if record.checking:
            record = self._failed(record)
            self._store.save(record)
        self._record = record

    def locked(self) -> bool:
        return self.locked_for_s() > 0

    def locked_for_s(self) -> float:
        """Seconds until staff may try again (0: not locked). The lock is kept on the
        wall clock (it must outlive the process); a clock set back cannot stretch it
        beyond its length."""
        until = self._record.locked_until
        if until is None:
            return 0.0
        left = (until - self._clock.now()).total_seconds()
        return max(0.0, min(left, lockout_s(self._record.failures)))

    def checking(self) -> None:
        """A PIN is about to be checked: noted first (durably)."""
        with self._lock:
            self._record = LockoutRecord(self._record.failures, self._record.locked_until,
                                         checking=True)
            self._store.save(self._record)

    def record(self, ok: bool) -> int:
        """Note a checked PIN; how many tries are left before the lockout (0: locked now)."""
        with self._lock:
            self._record = LockoutRecord() if ok else self._failed(self._record)
            self._store.save(self._record)
            if ok:
                return MAX_ATTEMPTS
            return (MAX_ATTEMPTS - self._record.failures % MAX_ATTEMPTS) % MAX_ATTEMPTS

    def _failed(self, record: LockoutRecord) -> LockoutRecord:
        failures = record.failures + 1
        until = record.locked_until
        if failures % MAX_ATTEMPTS == 0:
            until = self._clock.now() + timedelta(seconds=lockout_s(failures))
        return LockoutRecord(failures, until, checking=False)


class LongPress:
    """A press held at least ``hold_s`` (timed on the kiosk's clock): the touch-only way
    to the staff PIN pad. A shorter tap, or a release without a press, is nothing."""

    def __init__(self, clock: Clock, hold_s: float) -> None:
        self._clock = clock
        self.hold_s = hold_s
        self._down_at: float | None = None

    def press(self) -> None:
        self._down_at = self._clock.monotonic()

    def release(self) -> bool:
        """True when the press that ends now was held long enough."""
        down, self._down_at = self._down_at, None
        return down is not None and self._clock.monotonic() - down >= self.hold_s
