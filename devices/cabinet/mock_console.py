"""A line console for the mock cabinet: a field tester drives it from a terminal while
the kiosk (or ``cabinet-test``) talks to it over the serial link. A door is "B:L" (board
B, lock L) or a plain L on board 1.

    push N | jam N | unjam N | leave-open | silence B | speak B | garble
    unplug | replug | state | help | quit
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TextIO

from devices.cabinet.mock_cabinet import MockCabinet

HELP = __doc__.split("\n\n", 1)[1].strip() if __doc__ else ""


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


def _door_action(cabinet: MockCabinet, verb: str) -> Callable[[str], None] | None:
    actions: dict[str, Callable[[str], None]] = {
        "push": lambda arg: cabinet.push_closed(cabinet.door(arg)),
        "jam": lambda arg: cabinet.jam(cabinet.door(arg)),
        "unjam": lambda arg: cabinet.jam(cabinet.door(arg), on=False),
        "silence": lambda arg: cabinet.silence(int(arg)),
        "speak": lambda arg: cabinet.silence(int(arg), on=False),
    }
    return actions.get(verb)


def run_command(cabinet: MockCabinet, line: str) -> str | None:
    """Carry out one console line; the reply to print, or None to quit."""
    words = line.split()
    if not words:
        return ""
    verb, args = words[0].lower(), words[1:]
    try:
        if verb in ("quit", "exit"):
            return None
        if verb == "help":
            return HELP
        action = _door_action(cabinet, verb)
        if action is not None:
            action(args[0])
        elif verb == "leave-open":
            cabinet.leave_open_next()
        elif verb == "garble":
            cabinet.garble_next()
        elif verb == "unplug":
            cabinet.unplug()
        elif verb == "replug":
            cabinet.replug()
        elif verb != "state":
            return f"error: unknown command {verb!r} (try help)"
    except IndexError:
        return f"error: {verb} needs an argument (try help)"
    except ValueError as exc:
        return f"error: {verb}: {exc}"
    return describe(cabinet)


def run_console(cabinet: MockCabinet, lines: Iterable[str], out: TextIO) -> None:
    print(f"mock cabinet on {cabinet.port} ({cabinet.baudrate} baud); type help", file=out)
    print(describe(cabinet), file=out, flush=True)
    for line in lines:
        reply = run_command(cabinet, line)
        if reply is None:
            return
        if reply:
            print(reply, file=out, flush=True)
