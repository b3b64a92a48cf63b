"""Where each compartment of the pickup cabinet is: its number (painted on the door),
its size, its column and row as a person facing the cabinet counts them, and the
lock board channel behind it.

Boards are wired in order: board 1's locks are compartments 1..doors, board 2's
follow, and so on; compartments fill columns top to bottom, columns left to right.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from devices.cabinet import Door


class Size(StrEnum):
    SMALL = "S"  # a certificate, a card, an envelope
    MEDIUM = "M"  # a document folder, a small box
    LARGE = "L"  # a parcel


_ORDER = {Size.SMALL: 0, Size.MEDIUM: 1, Size.LARGE: 2}


@dataclass(frozen=True, slots=True)
class Compartment:
    number: int
    door: Door
    size: Size
    column: int  # from 1, left to right
    row: int  # from 1, top to bottom

    @property
    def label(self) -> str:
        return f"{self.number:02d}"


@dataclass(frozen=True)
class CabinetLayout:
    compartments: tuple[Compartment, ...]

    def get(self, number: int) -> Compartment | None:
        return next((c for c in self.compartments if c.number == number), None)

    def fitting(self, size: Size) -> list[int]:
        """Numbers of compartments that take goods of ``size``: the smallest that fit
        first (a certificate does not take a parcel's place), then by number."""
        fits = [c for c in self.compartments if _ORDER[c.size] >= _ORDER[size]]
        return [c.number for c in sorted(fits, key=lambda c: (_ORDER[c.size], c.number))]

    @property
    def boards(self) -> tuple[int, ...]:
        return tuple(sorted({c.door.board for c in self.compartments}))


def build_layout(boards: list[int], doors: int, rows: int, sizes: str) -> CabinetLayout:
    """``sizes``: a letter per lock channel (S, M, L), the same on every board; shorter
    than ``doors``: the rest are small."""
    letters = (sizes.upper() + "S" * doors)[:doors]
    compartments = []
    for board_index, board in enumerate(boards):
        for lock in range(1, doors + 1):
            index = board_index * doors + lock - 1
            compartments.append(Compartment(
                number=index + 1, door=Door(board, lock), size=Size(letters[lock - 1]),
                column=index // rows + 1, row=index % rows + 1))
    return CabinetLayout(tuple(compartments))
