"""A lottery anyone can verify, after the 2020 mask reservations.

Before the cut-off the platform publishes a commitment: the SHA-256 of the
sorted, pseudonymised entrant list together with the name of a seed that does
not exist yet (a future public random beacon round, an index's closing value).
After the cut-off the seed's value becomes public and the draw is a
deterministic function of the list and that value: each entrant's ticket is
SHA-256(seed value, pseudonym), tickets are taken in ascending order, and each
gets a place in the first slot on their list that still has room (a list longer
than one is the "accept either type" opt-in: the same window, another type).
Anyone holding the published record can recompute both (``verify-draw``).

Pseudonyms are HMAC-SHA256 of the document number under a key the platform
keeps: an ID number has too little entropy for a plain hash to hide it. The
entrant's pseudonym is printed on their slip, so they can find themselves in
the published list.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import asdict, dataclass
from typing import Any

FORMAT = "gov-kiosk-lottery/1"


@dataclass(frozen=True, slots=True)
class Entrant:
    pseudonym: str  # 64 hex digits
    choices: tuple[str, ...]  # slots ("pharmacy/window[/type]") in order of preference


@dataclass(frozen=True, slots=True)
class Winner:
    pseudonym: str
    slot: str  # the slot this winner collects from


@dataclass(frozen=True, slots=True)
class Draw:
    """Everything published: enough for anyone to check the commitment and the draw."""

    round_id: str
    entrants: tuple[Entrant, ...]  # sorted
    quotas: dict[str, int]  # slot -> places
    seed_name: str  # named before the cut-off
    commitment: str  # published before the cut-off
    seed_value: str = ""  # revealed after it
    winners: tuple[Winner, ...] = ()  # in the order drawn

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, **asdict(self)}


class DrawError(ValueError):
    """A published draw record is malformed."""


def pseudonym(round_key: bytes, document_number: str) -> str:
    return hmac.new(round_key, document_number.strip().upper().encode(), hashlib.sha256
                    ).hexdigest()


def commitment(round_id: str, entrants: tuple[Entrant, ...], quotas: dict[str, int],
               seed_name: str) -> str:
    """The hash published before the cut-off; a different list or seed gives another."""
    canonical = json.dumps(
        {"format": FORMAT, "round": round_id, "seed": seed_name, "quotas": quotas,
         "entrants": [[e.pseudonym, list(e.choices)]
                      for e in sorted(entrants, key=lambda e: e.pseudonym)]},
        ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def commit(round_id: str, entrants: list[Entrant], quotas: dict[str, int],
           seed_name: str) -> Draw:
    """Close the entry list: sort it and compute the commitment to publish."""
    pseudonyms = [e.pseudonym for e in entrants]
    if len(pseudonyms) != len(set(pseudonyms)):
        raise DrawError("an entrant appears twice: one entry per person per round")
    ordered = tuple(sorted(entrants, key=lambda e: e.pseudonym))
    return Draw(round_id, ordered, dict(quotas), seed_name,
                commitment(round_id, ordered, quotas, seed_name))


def ticket(seed_value: str, entrant: Entrant) -> str:
    return hashlib.sha256(f"{seed_value}\n{entrant.pseudonym}".encode()).hexdigest()


def draw(committed: Draw, seed_value: str) -> Draw:
    """The draw: a pure function of the committed list and the revealed seed."""
    if not seed_value:
        raise DrawError("the seed's value is needed to draw")
    left = dict(committed.quotas)
    winners = []
    for entrant in sorted(committed.entrants, key=lambda e: ticket(seed_value, e)):
        slot = next((c for c in entrant.choices if left.get(c, 0) > 0), None)
        if slot is not None:
            left[slot] -= 1
            winners.append(Winner(entrant.pseudonym, slot))
    return Draw(committed.round_id, committed.entrants, committed.quotas, committed.seed_name,
                committed.commitment, seed_value, tuple(winners))


def parse_draw(raw: dict[str, Any]) -> Draw:
    try:
        if raw["format"] != FORMAT:
            raise DrawError(f"not a {FORMAT} record")
        return Draw(
            round_id=str(raw["round_id"]),
            entrants=tuple(Entrant(str(e["pseudonym"]), tuple(str(c) for c in e["choices"]))
                           for e in raw["entrants"]),
            quotas={str(k): int(v) for k, v in raw["quotas"].items()},
            seed_name=str(raw["seed_name"]),
            commitment=str(raw["commitment"]),
            seed_value=str(raw.get("seed_value", "")),
            winners=tuple(Winner(str(w["pseudonym"]), str(w["slot"]))
                          for w in raw.get("winners", ())),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, DrawError):
            raise
        raise DrawError(f"malformed draw record: {exc!r}") from exc


def verify(published: Draw) -> list[str]:
    """What does not match in a published draw; empty when it all checks out."""
    problems = []
    expected = commitment(published.round_id, published.entrants, published.quotas,
                          published.seed_name)
    if expected != published.commitment:
        problems.append(f"commitment: the list and seed name hash to {expected},"
                        f" not the published {published.commitment}")
    if not published.seed_value:
        problems.append("seed_value: not revealed yet")
        return problems
    redrawn = draw(published, published.seed_value).winners
    if redrawn != published.winners:
        first = next((i for i, (a, b) in enumerate(zip(redrawn, published.winners,
                                                       strict=False)) if a != b),
                     min(len(redrawn), len(published.winners)))
        problems.append(f"winners: differ from the redraw at place {first + 1}"
                        f" ({len(published.winners)} published, {len(redrawn)} redrawn)")
    return problems
