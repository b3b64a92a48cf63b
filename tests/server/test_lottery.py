"""The verifiable lottery: committed before the cut-off, drawn from a named future seed,
reproduced by anyone with ``python -m server verify-draw``."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.lottery import Draw, DrawError, Entrant, commit, draw, parse_draw, pseudonym, verify
from tests.support import REPO_ROOT

ROOT = REPO_ROOT
KEY = b"round-2026-11-key"
SEED = "drand quicknet round 15000000"
QUOTAS = {"sm-01/am": 3, "sm-01/pm": 2, "hl-01/am": 1}


def entrants(count: int) -> list[Entrant]:
    windows = list(QUOTAS)
    return [Entrant(pseudonym(KEY, f"3502031950{n:08d}"), (windows[n % len(windows)],))
            for n in range(count)]


def drawn(count: int = 20, seed_value: str = "a1b2c3") -> Draw:
    return draw(commit("2026-11-R1", entrants(count), QUOTAS, SEED), seed_value)


def test_pseudonyms_are_keyed_and_stable() -> None:
    assert pseudonym(KEY, "350203195003150026") == pseudonym(KEY, " 350203195003150026 ")
    assert pseudonym(KEY, "35020319500315002x") == pseudonym(KEY, "35020319500315002X")
    assert pseudonym(KEY, "350203195003150026") != pseudonym(b"other", "350203195003150026")
    assert "350203" not in pseudonym(KEY, "350203195003150026")


def test_draw_fills_each_window_to_its_quota_once_per_person() -> None:
    result = drawn()
    assert len(result.winners) == sum(QUOTAS.values()) == len(set(result.winners))
    assert len({w.pseudonym for w in result.winners}) == len(result.winners)
    assert Counter(w.slot for w in result.winners) == Counter(QUOTAS)
    assert drawn() == result  # deterministic
    assert drawn(seed_value="ffff").winners != result.winners  # the seed decides


def test_the_commitment_binds_the_list_and_the_seed_name() -> None:
    base = commit("R", entrants(10), QUOTAS, SEED)
    assert commit("R", list(reversed(entrants(10))), QUOTAS, SEED).commitment == base.commitment
    assert commit("R", entrants(9), QUOTAS, SEED).commitment != base.commitment
    assert commit("R", entrants(10), QUOTAS, "another seed").commitment != base.commitment
    assert commit("R", entrants(10), {**QUOTAS, "hl-01/am": 2}, SEED).commitment \
        != base.commitment


def test_one_entry_per_person_per_round() -> None:
    twice = entrants(3) + entrants(1)
    with pytest.raises(DrawError, match="appears twice"):
        commit("R", twice, QUOTAS, SEED)


def test_verify_finds_every_kind_of_tampering() -> None:
    genuine = drawn()
    assert verify(genuine) == []
    dropped = replace(genuine, entrants=genuine.entrants[1:])
    assert verify(dropped)[0].startswith("commitment:")
    reordered = replace(genuine, winners=(genuine.winners[1], genuine.winners[0],
                                          *genuine.winners[2:]))
    assert verify(reordered) == [
        "winners: differ from the redraw at place 1 (6 published, 6 redrawn)"]
    other_seed = replace(genuine, seed_value="not the beacon's value")
    assert verify(other_seed)[0].startswith("winners:")
    assert verify(replace(genuine, seed_value="")) == ["seed_value: not revealed yet"]


def test_accept_either_type_takes_the_other_slot_when_the_first_is_full() -> None:
    quotas = {"sm-01/am/kn95": 1, "sm-01/am/surgical": 1}
    strict = [Entrant(pseudonym(KEY, f"k{n}"), ("sm-01/am/kn95",)) for n in range(3)]
    either = Entrant(pseudonym(KEY, "either"), ("sm-01/am/kn95", "sm-01/am/surgical"))
    result = draw(commit("R", [*strict, either], quotas, SEED), "seed")
    assert Counter(w.slot for w in result.winners) == Counter(quotas)
    # Only the opt-in entrant can take the surgical place: nobody else chose it.
    assert {w.pseudonym for w in result.winners if w.slot == "sm-01/am/surgical"} == {
        either.pseudonym}


@given(st.lists(st.lists(st.sampled_from(list(QUOTAS)), min_size=1, max_size=3, unique=True),
                max_size=60),
       st.text(min_size=1, max_size=20))
@settings(max_examples=200, deadline=None)
def test_never_more_winners_than_places(lists: list[list[str]], seed_value: str) -> None:
    people = [Entrant(pseudonym(KEY, str(n)), tuple(c)) for n, c in enumerate(lists)]
    result = draw(commit("R", people, QUOTAS, SEED), seed_value)
    taken = Counter(w.slot for w in result.winners)
    assert all(taken[slot] <= QUOTAS[slot] for slot in taken)
    choices = {e.pseudonym: e.choices for e in people}
    assert all(w.slot in choices[w.pseudonym] for w in result.winners)
    assert len({w.pseudonym for w in result.winners}) == len(result.winners)
    # Nobody left out while one of their slots still had room.
    losers = set(choices) - {w.pseudonym for w in result.winners}
    assert all(taken[c] == QUOTAS[c] for p in losers for c in choices[p])
    assert verify(result) == []


@given(st.dictionaries(st.text(max_size=8), st.text(max_size=8) | st.integers()))
def test_a_garbage_record_is_a_clear_error(raw: dict[str, str | int]) -> None:
    with pytest.raises(DrawError):
        parse_draw(raw)


def verify_draw(tmp_path: Path, record: object) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "draw.json"
    path.write_text(record if isinstance(record, str) else json.dumps(record),
                    encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "server", "verify-draw", str(path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_verify_draw_command(tmp_path: Path) -> None:
    genuine = drawn().to_json()
    ok = verify_draw(tmp_path, genuine)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("MATCH: round 2026-11-R1") and "all 6 winners" in ok.stdout
    forged = {**genuine, "winners": list(reversed(genuine["winners"]))}
    bad = verify_draw(tmp_path, forged)
    assert bad.returncode == 1 and "MISMATCH" in bad.stdout and "winners:" in bad.stdout
    broken = verify_draw(tmp_path, "{not json")
    assert broken.returncode == 2 and "error:" in broken.stderr
