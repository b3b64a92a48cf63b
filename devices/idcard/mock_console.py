"""A line console for the mock reader: a field tester drives it from a terminal while
the kiosk (or any program using the driver) talks to it over the serial link.

    place N | remove | corrupt | truncate | fail HEX | slow SECONDS | sam HEX|off
    unplug | replug | list | state | help | quit
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from devices.idcard.mock_reader import MockCardReader

HELP = __doc__.split("\n\n", 1)[1].strip() if __doc__ else ""


def describe(reader: MockCardReader) -> str:
    state = reader.state()
    parts = ["plugged in" if state.plugged else "UNPLUGGED"]
    if state.card is None:
        parts.append("no card")
    else:
        parts.append(f"card: {state.card}"
                     + (" (read: lift it to read again)" if state.card_read else ""))
    if state.delay_s:
        parts.append(f"answers {state.delay_s:g} s late")
    if state.sam_failure is not None:
        parts.append(f"SAM failing {state.sam_failure:#04x}")
    if state.pending_faults:
        parts.append("armed: " + ", ".join(state.pending_faults))
    return " | ".join(parts)


def run_command(reader: MockCardReader, line: str) -> str | None:
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
        if verb == "list":
            return "\n".join(f"{n + 1}. {card.label}" for n, card in enumerate(reader.deck))
        if verb == "place":
            number = int(args[0])
            if not 1 <= number <= len(reader.deck):
                return f"error: card number must be 1 to {len(reader.deck)}"
            reader.place(number - 1)
        elif verb == "remove":
            reader.remove()
        elif verb == "corrupt":
            reader.corrupt_next_read()
        elif verb == "truncate":
            reader.truncate_next_read()
        elif verb == "fail":
            reader.fail_next_read(int(args[0], 16))
        elif verb == "slow":
            reader.set_delay(float(args[0]))
        elif verb == "sam":
            reader.set_sam_failure(None if args[0] == "off" else int(args[0], 16))
        elif verb == "unplug":
            reader.unplug()
        elif verb == "replug":
            reader.replug()
        elif verb != "state":
            return f"error: unknown command {verb!r} (try help)"
    except IndexError:
        return f"error: {verb} needs an argument (try help)"
    except ValueError as exc:
        return f"error: {verb}: {exc}"
    return describe(reader)


def run_console(reader: MockCardReader, lines: Iterable[str], out: TextIO) -> None:
    print(f"mock ID card reader on {reader.port} ({reader.baudrate} baud); type help", file=out)
    print(describe(reader), file=out, flush=True)
    for line in lines:
        reply = run_command(reader, line)
        if reply is None:
            return
        if reply:
            print(reply, file=out, flush=True)
