"""A line console for the mock reader: a field tester drives it from a terminal while
the kiosk (or any program using the driver) talks to it over the serial link.

    place N | remove | corrupt | truncate | fail HEX | slow SECONDS | sam HEX|off
    unplug | replug | list | state | help | quit
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TextIO

from devices.console_loop import Console, help_text, line_verbs
from devices.idcard.mock_reader import MockCardReader

HELP = help_text(__doc__)


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


def console(reader: MockCardReader) -> Console:
    """The reader's verbs; cards are numbered from 1 as ``list`` shows them."""
    def place(args: Sequence[str]) -> str | None:
        number = int(args[0])
        if not 1 <= number <= len(reader.deck):
            return f"error: card number must be 1 to {len(reader.deck)}"
        reader.place(number - 1)
        return None

    banner = f"mock ID card reader on {reader.port} ({reader.baudrate} baud); type help"
    return Console(banner, help=HELP, describe=lambda: describe(reader), verbs={
        "list": lambda args: "\n".join(
            f"{n + 1}. {card.label}" for n, card in enumerate(reader.deck)),
        "place": place,
        "remove": lambda args: reader.remove(),
        "corrupt": lambda args: reader.corrupt_next_read(),
        "truncate": lambda args: reader.truncate_next_read(),
        "fail": lambda args: reader.fail_next_read(int(args[0], 16)),
        "slow": lambda args: reader.set_delay(float(args[0])),
        "sam": lambda args: reader.set_sam_failure(None if args[0] == "off"
                                                   else int(args[0], 16)),
        **line_verbs(reader),
    })


def run_command(reader: MockCardReader, line: str) -> str | None:
    """Carry out one console line; the reply to print, or None to quit."""
    return console(reader).run_command(line)


def run_console(reader: MockCardReader, lines: Iterable[str], out: TextIO) -> None:
    console(reader).run(lines, out)
