"""Staff access: a PIN checked against a salted PBKDF2 hash from the config, reached
with F12 or, on a kiosk without a keyboard, a long press on a corner of the status bar.

The config never holds the PIN itself; ``python main.py staff-pin`` makes the hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from contracts.clock import Clock

_SCHEME = "pbkdf2_sha256"
_ITERATIONS = 200_000
# Wrong PINs in a row before staff sign-in locks for ``PinGate.LOCKOUT_S``.
MAX_ATTEMPTS = 3


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


class PinGate:
    """Wrong PINs counted across visits to the PIN pad (the app keeps one gate):
    ``MAX_ATTEMPTS`` wrong in a row lock staff access for ``LOCKOUT_S``."""

    LOCKOUT_S = 300

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._failures = 0
        self._locked_until = 0.0

    def locked(self) -> bool:
        return self.locked_for_s() > 0

    def locked_for_s(self) -> float:
        """Seconds until staff may try again (0: not locked)."""
        return max(0.0, self._locked_until - self._clock.monotonic())

    def record(self, ok: bool) -> int:
        """Note a checked PIN; how many tries are left before the lockout (0: locked now)."""
        if ok:
            self._failures = 0
            return MAX_ATTEMPTS
        self._failures += 1
        if self._failures >= MAX_ATTEMPTS:
            self._failures = 0
            self._locked_until = self._clock.monotonic() + self.LOCKOUT_S
            return 0
        return MAX_ATTEMPTS - self._failures


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
