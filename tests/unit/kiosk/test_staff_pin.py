"""Staff PIN hashing and the staff-pin command."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kiosk.staff import hash_pin, pin_hash_problem, verify_pin
from tests.support import REPO_ROOT


def test_a_hash_verifies_only_its_pin() -> None:
    stored = hash_pin("2468", iterations=10_000)
    assert verify_pin("2468", stored)
    assert not verify_pin("2469", stored)
    assert not verify_pin("", stored)
    assert hash_pin("2468") != hash_pin("2468")  # salted


@pytest.mark.parametrize("stored", ["2468", "md5$1$a$b", "pbkdf2_sha256$10$a$00",
                                    "pbkdf2_sha256$20000$salt$zz"])
def test_a_malformed_hash_never_verifies(stored: str) -> None:
    assert pin_hash_problem(stored) is not None
    assert not verify_pin("2468", stored)


def run_staff_pin(stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO_ROOT / "main.py"), "staff-pin"],
                          input=stdin, capture_output=True, text=True, timeout=60)


def test_staff_pin_prints_a_config_line_that_verifies() -> None:
    done = run_staff_pin("135790\n")
    assert done.returncode == 0
    section, line = done.stdout.strip().splitlines()
    assert section == "[staff]"
    stored = line.removeprefix('pin_hash = "').removesuffix('"')
    assert verify_pin("135790", stored)


@pytest.mark.parametrize("pin", ["12", "abcd", "1234567890123"])
def test_staff_pin_refuses_a_weak_or_odd_pin(pin: str) -> None:
    done = run_staff_pin(pin + "\n")
    assert done.returncode == 2 and "4 to 12 digits" in done.stderr


def test_only_a_press_held_long_enough_counts() -> None:
    from contracts.clock import FakeClock
    from kiosk.staff import LongPress

    clock = FakeClock()
    corner = LongPress(clock, 3.0)
    assert not corner.release()  # a release with no press
    corner.press()
    clock.advance(2.99)
    assert not corner.release()
    corner.press()
    clock.advance(3.0)
    assert corner.release()
    assert not corner.release()  # one press opens once
