"""A lottery anyone can verify and nobody can steer, after the 2020 mask reservations.

At the cut-off the platform publishes a commitment: the SHA-256 of the sorted,
pseudonymised entrant list, the places, the moment of the commit and the public
randomness the draw will use: a named round of a drand beacon chain
(``server.beacon``) that is published at least ``MIN_LEAD`` after the commit. Once
that round is out, its signature (checked with the chain's public key) gives the
randomness, and the seed is SHA-256 of the format, the commitment and that randomness:
nobody chooses it, not the operator, not an administrator, not a kiosk. The draw is a
deterministic function of the list and the seed: each entrant's ticket is
SHA-256(seed, pseudonym), tickets are taken in ascending order, and each gets a place in
the first slot on their list that still has room (a list longer than one is the
"accept either type" opt-in: the same window, another type). ``verify-draw``
recomputes the commitment, checks the beacon offline, derives the seed and redraws;
a seed it cannot derive is a mismatch.

Pseudonyms in a record are per round (``server.persons.round_pseudonym``): HMAC-SHA256
under a key of that round alone, so two rounds' lists cannot be joined. The entrant's
pseudonym is given to the kiosk, so they can find themselves in the published list.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from server.beacon import BeaconError, Chain, known_chain, verify_beacon

FORMAT = "gov-kiosk-lottery/2"
LEGACY_FORMAT = "gov-kiosk-lottery/1"  # its seed was posted at the draw: not verifiable
# The beacon round must come out this long after the commit: a platform clock a little
# behind must not let a commit name a round already published.
MIN_LEAD = timedelta(seconds=60)
# Far enough for centuries of 3 s rounds, near enough for a datetime.
MAX_BEACON_ROUND = 10**10


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
    chain: dict[str, Any]  # the beacon chain's parameters (server.beacon.Chain)
    beacon_round: int  # named at the commit, published after it
    committed_at: str  # ISO 8601, UTC
    commitment: str  # published at the commit
    beacon_signature: str = ""  # the round's signature, once it is out
    seed: str = ""  # derived from the commitment and the beacon
    winners: tuple[Winner, ...] = ()  # in the order drawn

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, **asdict(self)}


class DrawError(ValueError):
    """A published draw record is malformed, or a draw asked for cannot be made."""


def pseudonym(round_key: bytes, document_number: str) -> str:
    return hmac.new(round_key, document_number.strip().upper().encode(), hashlib.sha256
                    ).hexdigest()


def commitment(round_id: str, entrants: tuple[Entrant, ...], quotas: dict[str, int],
               chain_hash: str, beacon_round: int, committed_at: str) -> str:
    """The hash published at the cut-off; another list, beacon or moment gives another."""
    canonical = json.dumps(
        {"format": FORMAT, "round": round_id, "chain": chain_hash, "beacon_round": beacon_round,
         "committed_at": committed_at, "quotas": quotas,
         "entrants": [[e.pseudonym, list(e.choices)]
                      for e in sorted(entrants, key=lambda e: e.pseudonym)]},
        ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def commit(round_id: str, entrants: list[Entrant], quotas: dict[str, int], chain: Chain,
           beacon_round: int, now: datetime) -> Draw:
    """Close the entry list: sort it, name the beacon round, compute the commitment."""
    pseudonyms = [e.pseudonym for e in entrants]
    if len(pseudonyms) != len(set(pseudonyms)):
        raise DrawError("an entrant appears twice: one entry per person per round")
    if not 1 <= beacon_round <= MAX_BEACON_ROUND:
        raise DrawError(f"beacon round {beacon_round} is not a round")
    if chain.round_time(beacon_round) < now + MIN_LEAD:
        raise DrawError(f"beacon round {beacon_round} of chain {chain.name} comes out at"
                        f" {chain.round_time(beacon_round).isoformat()}: a draw names"
                        f" a round due at least {int(MIN_LEAD.total_seconds())} s after its"
                        f" commit (from round {first_usable_round(chain, now)})")
    ordered = tuple(sorted(entrants, key=lambda e: e.pseudonym))
    at = now.isoformat()
    return Draw(round_id, ordered, dict(quotas), chain.to_json(), beacon_round, at,
                commitment(round_id, ordered, quotas, chain.hash, beacon_round, at))


def first_usable_round(chain: Chain, now: datetime) -> int:
    """The earliest beacon round a commit made at ``now`` may name."""
    number = max(chain.round_at(now + MIN_LEAD), 1)
    return number if chain.round_time(number) >= now + MIN_LEAD else number + 1


def derive_seed(committed_commitment: str, randomness: str) -> str:
    return hashlib.sha256(f"{FORMAT}\n{committed_commitment}\n{randomness}".encode()
                          ).hexdigest()


def ticket(seed: str, entrant: Entrant) -> str:
    return hashlib.sha256(f"{seed}\n{entrant.pseudonym}".encode()).hexdigest()


def draw(committed: Draw, beacon_signature: str) -> Draw:
    """The draw: a pure function of the committed list and the named beacon round."""
    try:
        chain = known_chain(committed.chain)
        randomness = verify_beacon(chain, committed.beacon_round, beacon_signature)
    except BeaconError as exc:
        raise DrawError(str(exc)) from exc
    seed = derive_seed(committed.commitment, randomness)
    return _drawn(committed, beacon_signature, seed)


def _drawn(committed: Draw, beacon_signature: str, seed: str) -> Draw:
    left = dict(committed.quotas)
    winners = []
    for entrant in sorted(committed.entrants, key=lambda e: ticket(seed, e)):
        slot = next((c for c in entrant.choices if left.get(c, 0) > 0), None)
        if slot is not None:
            left[slot] -= 1
            winners.append(Winner(entrant.pseudonym, slot))
    return Draw(committed.round_id, committed.entrants, committed.quotas, committed.chain,
                committed.beacon_round, committed.committed_at, committed.commitment,
                beacon_signature, seed, tuple(winners))


def parse_draw(raw: dict[str, Any]) -> Draw:
    try:
        if raw["format"] == LEGACY_FORMAT:
            raise DrawError(f"a {LEGACY_FORMAT} record: its seed was posted at the draw and"
                            " cannot be derived from public inputs")
        if raw["format"] != FORMAT:
            raise DrawError(f"not a {FORMAT} record")
        chain = raw["chain"]
        if not isinstance(chain, dict):
            raise DrawError("chain: not the chain's parameters")
        committed_at = str(raw["committed_at"])
        if datetime.fromisoformat(committed_at).tzinfo is None:
            raise DrawError("committed_at: a moment without its zone")
        return Draw(
            round_id=str(raw["round_id"]),
            entrants=tuple(Entrant(str(e["pseudonym"]), tuple(str(c) for c in e["choices"]))
                           for e in raw["entrants"]),
            quotas={str(k): int(v) for k, v in raw["quotas"].items()},
            chain=dict(chain),
            beacon_round=_beacon_round(raw["beacon_round"]),
            committed_at=committed_at,
            commitment=str(raw["commitment"]),
            beacon_signature=str(raw.get("beacon_signature", "")),
            seed=str(raw.get("seed", "")),
            winners=tuple(Winner(str(w["pseudonym"]), str(w["slot"]))
                          for w in raw.get("winners", ())),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, DrawError):
            raise
        raise DrawError(f"malformed draw record: {exc!r}") from exc


def _beacon_round(value: Any) -> int:
    number = int(value)
    if not 1 <= number <= MAX_BEACON_ROUND:
        raise DrawError(f"beacon_round: {number} is not a round")
    return number


def verify(published: Draw, allow_test_chain: bool = False) -> list[str]:
    """What does not match in a published draw; empty when it all checks out."""
    problems = []
    chain_hash = str(published.chain.get("hash", ""))
    expected = commitment(published.round_id, published.entrants, published.quotas,
                          chain_hash, published.beacon_round, published.committed_at)
    if expected != published.commitment:
        problems.append(f"commitment: the list, beacon and moment hash to {expected},"
                        f" not the published {published.commitment}")
    try:
        chain = known_chain(published.chain)
    except BeaconError as exc:
        return [*problems, f"beacon: {exc}"]
    if chain.test and not allow_test_chain:
        problems.append(f"beacon: chain {chain.name} is a test beacon whose signing key is"
                        " public: not a real draw (--allow-test-chain to check it anyway)")
    committed_at = datetime.fromisoformat(published.committed_at)
    if chain.round_time(published.beacon_round) < committed_at + MIN_LEAD:
        problems.append(f"beacon: round {published.beacon_round} came out at"
                        f" {chain.round_time(published.beacon_round).isoformat()}, not at"
                        f" least {int(MIN_LEAD.total_seconds())} s after the commit"
                        f" ({published.committed_at}): its value could be known")
    if not published.beacon_signature:
        return [*problems, "beacon: not revealed yet"]
    try:
        randomness = verify_beacon(chain, published.beacon_round, published.beacon_signature)
    except BeaconError as exc:
        return [*problems, f"beacon: {exc}"]
    seed = derive_seed(published.commitment, randomness)
    if seed != published.seed:
        problems.append(f"seed: the beacon gives {seed}, not the published {published.seed}:"
                        " a seed that cannot be derived")
    redrawn = _drawn(published, published.beacon_signature, seed).winners
    if redrawn != published.winners:
        first = next((i for i, (a, b) in enumerate(zip(redrawn, published.winners,
                                                       strict=False)) if a != b),
                     min(len(redrawn), len(published.winners)))
        problems.append(f"winners: differ from the redraw at place {first + 1}"
                        f" ({len(published.winners)} published, {len(redrawn)} redrawn)")
    return problems
