"""A line console for the mock cabinet: a field tester drives it from a terminal while
the kiosk (or ``cabinet-test``) talks to it over the serial link. A door is "B:L" (board
B, lock L) or a plain L on board 1.

    push N | jam N | unjam N | leave-open | silence B | speak B | garble
    unplug | replug | state | help | quit
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TextIO

from devices.cabinet.doors import Door
from devices.cabinet.mock_cabinet import MockCabinet
from devices.console_loop import Console, help_text, line_verbs

HELP = help_text(__doc__)


def describe(cabinet: MockCabinet) -> str:
    state = cabinet.state()
    parts = ["plugged in" if state.plugged else "UNPLUGGED",
             f"{state.boards} board(s) x {state.doors} doors"]
    parts.append("open: " + (" ".join(map(str, state.open_doors)) or "none"))
    if state.held_open:
        parts.append("left open: " + " ".join(map(str, state.held_open)))
    if state.jammed:
        parts.append("jammed: " + " ".join(map(str, state.jammed)))
    if state.silent_boards:
        parts.append("silent boards: " + " ".join(map(str, state.silent_boards)))
    armed = [name for name, on in (("leave-open", state.leave_open_armed),
                                   ("garble", state.garble_armed)) if on]
    if armed:
        parts.append("armed: " + ", ".join(armed))
    return " | ".join(parts)


def console(cabinet: MockCabinet) -> Console:
    """The cabinet's verbs; a door argument is "B:L" or "L" (board 1)."""
    def door(args: Sequence[str]) -> Door:
        return cabinet.door(args[0])

    banner = f"mock cabinet on {cabinet.port} ({cabinet.baudrate} baud); type help"
    return Console(banner, help=HELP, describe=lambda: describe(cabinet), verbs={
        "push": lambda args: cabinet.push_closed(door(args)),
        "jam": lambda args: cabinet.jam(door(args)),
        "unjam": lambda args: cabinet.jam(door(args), on=False),
        "silence": lambda args: cabinet.silence(int(args[0])),
        "speak": lambda args: cabinet.silence(int(args[0]), on=False),
        "leave-open": lambda args: cabinet.leave_open_next(),
        "garble": lambda args: cabinet.garble_next(),
        **line_verbs(cabinet),
    })


def run_command(cabinet: MockCabinet, line: str) -> str | None:
    """Carry out one console line; the reply to print, or None to quit."""
    return console(cabinet).run_command(line)


def run_console(cabinet: MockCabinet, lines: Iterable[str], out: TextIO) -> None:
    console(cabinet).run(lines, out)
