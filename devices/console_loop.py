"""The read-eval-print loop of a mock device's console: a field tester types a verb and its
arguments, one a line, while the kiosk talks to the mock over its serial link.

Invariant: every line but ``quit`` gets one reply: the verb's own, an error naming the
verb, or else the device's state line; an empty line gets none. ``help``, ``state`` and
``quit`` are every console's; a device's console brings its banner, its verbs, its help
and its state line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TextIO

Verb = Callable[[Sequence[str]], str | None]
"""A verb's work on its arguments: its own reply, or None for the state line. IndexError
(an argument missing) and ValueError (a bad one) become the console's error replies."""

QUIT = ("quit", "exit")
STATE = "state"


class Pluggable(Protocol):
    def unplug(self) -> None: ...

    def replug(self) -> None: ...


def line_verbs(device: Pluggable) -> dict[str, Verb]:
    """``unplug`` and ``replug``: every mock on a serial line has them."""
    return {"unplug": lambda args: device.unplug(), "replug": lambda args: device.replug()}


def help_text(doc: str | None) -> str:
    """A console module's help: its docstring after the first paragraph."""
    return doc.split("\n\n", 1)[1].strip() if doc else ""


@dataclass(frozen=True)
class Console:
    banner: str  # the first line printed: which device, where
    verbs: Mapping[str, Verb]
    describe: Callable[[], str]  # the state line
    help: str

    def run_command(self, line: str) -> str | None:
        """Carry out one console line; the reply to print, or None to quit."""
        words = line.split()
        if not words:
            return ""
        verb, args = words[0].lower(), words[1:]
        if verb in QUIT:
            return None
        if verb == "help":
            return self.help
        if verb == STATE:
            return self.describe()
        action = self.verbs.get(verb)
        if action is None:
            return f"error: unknown command {verb!r} (try help)"
        try:
            reply = action(args)
        except IndexError:
            return f"error: {verb} needs an argument (try help)"
        except ValueError as exc:
            return f"error: {verb}: {exc}"
        return self.describe() if reply is None else reply

    def run(self, lines: Iterable[str], out: TextIO) -> None:
        """The banner and the state line, then a reply to each line until quit or EOF."""
        print(self.banner, file=out)
        print(self.describe(), file=out, flush=True)
        for line in lines:
            reply = self.run_command(line)
            if reply is None:
                return
            if reply:
                print(reply, file=out, flush=True)
