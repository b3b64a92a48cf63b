"""The lottery nobody can steer: committed at the cut-off to a future drand beacon round,
drawn with a seed derived from that round's signature, reproduced by anyone with
``python -m server verify-draw``; published pseudonyms per round (issue 16, finding 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from server.beacon import QUICKNET, TEST_CHAIN, sign_test_round
from server.db import draws, entries, round_keys
from server.db import settings as platform_settings
from server.keyring import round_key
from server.lottery import (
    LEGACY_FORMAT,
    Draw,
    DrawError,
    Entrant,
    commit,
    draw,
    first_usable_round,
    parse_draw,
    pseudonym,
    verify,
)
from server.persons import person_of, round_pseudonym
from tests.support import REPO_ROOT
from tests.support.databases import BACKENDS
from tests.support.platform_api import Api, person, person_key, served_platform

ROOT = REPO_ROOT
KEY = b"round-2026-11-key"
NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
BEACON = first_usable_round(TEST_CHAIN, NOW)
QUOTAS = {"sm-01/am": 3, "sm-01/pm": 2, "hl-01/am": 1}
# A beacon as the League of Entropy's quicknet published it (round 657413, 2023-09-15
# 11:00:03 UTC), checked offline with the chain's public key.
QUICKNET_ROUND = 657413
QUICKNET_SIGNATURE = ("b713718a38ae728dfd477991af2822e08d2f305e47718cef9f7848ce4050e7be"
                      "41076862b98fad56e91a6b85b89cd97b")


def entrants(count: int) -> list[Entrant]:
    windows = list(QUOTAS)
    return [Entrant(pseudonym(KEY, f"3502031950{n:08d}"), (windows[n % len(windows)],))
            for n in range(count)]


def committed(people: list[Entrant], quotas: dict[str, int] = QUOTAS,
              beacon: int = BEACON) -> Draw:
    return commit("2026-11-R1", people, quotas, TEST_CHAIN, beacon, NOW)


def drawn(count: int = 20, beacon: int = BEACON) -> Draw:
    return draw(committed(entrants(count), beacon=beacon), sign_test_round(beacon))


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
    assert drawn(beacon=BEACON + 1).winners != result.winners  # the beacon decides


def test_the_commitment_binds_the_list_the_beacon_round_and_the_moment() -> None:
    base = committed(entrants(10))
    assert committed(list(reversed(entrants(10)))).commitment == base.commitment
    assert committed(entrants(9)).commitment != base.commitment
    assert committed(entrants(10), beacon=BEACON + 1).commitment != base.commitment
    assert committed(entrants(10), {**QUOTAS, "hl-01/am": 2}).commitment != base.commitment
    earlier = commit("2026-11-R1", entrants(10), QUOTAS, TEST_CHAIN, BEACON,
                     NOW - timedelta(seconds=1))
    assert earlier.commitment != base.commitment


def test_one_entry_per_person_per_round() -> None:
    with pytest.raises(DrawError, match="appears twice"):
        committed(entrants(3) + entrants(1))


def test_a_commit_naming_a_published_or_imminent_beacon_round_is_refused() -> None:
    # Before: any seed name was accepted, one already public included.
    for published in (TEST_CHAIN.round_at(NOW), 1, BEACON - 1):
        with pytest.raises(DrawError, match="at least 60 s after its commit"):
            committed(entrants(5), beacon=published)
    with pytest.raises(DrawError, match="at least 60 s"):
        commit("R", entrants(5), QUOTAS, QUICKNET, QUICKNET_ROUND, NOW)
    assert TEST_CHAIN.round_time(BEACON) >= NOW + timedelta(seconds=60)
    assert TEST_CHAIN.round_time(BEACON - 1) < NOW + timedelta(seconds=60)


def test_the_seed_is_derived_never_chosen() -> None:
    # Before: whatever seed was posted at the draw was used, and verify said MATCH.
    genuine = drawn()
    assert verify(genuine, allow_test_chain=True) == []
    chosen = replace(genuine, seed="0" * 64)
    assert verify(chosen, allow_test_chain=True)[0].startswith("seed: the beacon gives")
    other_round = sign_test_round(BEACON + 1)
    with pytest.raises(DrawError, match="not chain test's"):
        draw(committed(entrants(20)), other_round)
    with pytest.raises(DrawError, match="not a signature"):
        draw(committed(entrants(20)), "ab" * 48)
    swapped = replace(genuine, beacon_signature=other_round)
    assert verify(swapped, allow_test_chain=True) == [
        f"beacon: round {BEACON}: the signature is not chain test's"]


def test_verify_finds_every_kind_of_tampering() -> None:
    genuine = drawn()
    dropped = replace(genuine, entrants=genuine.entrants[1:])
    assert verify(dropped, allow_test_chain=True)[0].startswith("commitment:")
    reordered = replace(genuine, winners=(genuine.winners[1], genuine.winners[0],
                                          *genuine.winners[2:]))
    assert verify(reordered, allow_test_chain=True) == [
        "winners: differ from the redraw at place 1 (6 published, 6 redrawn)"]
    assert verify(replace(genuine, beacon_signature="", seed="", winners=()),
                  allow_test_chain=True) == ["beacon: not revealed yet"]
    backdated = replace(genuine, committed_at=(TEST_CHAIN.round_time(BEACON)
                                               - timedelta(seconds=10)).isoformat())
    problems = verify(backdated, allow_test_chain=True)
    assert problems[0].startswith("commitment:") and "its value could be known" in problems[1]
    forged_key = replace(genuine, chain={**TEST_CHAIN.to_json(),
                                         "public_key": QUICKNET.public_key})
    assert "not the chain's published ones" in verify(forged_key, allow_test_chain=True)[-1]
    assert "test beacon whose signing key is public" in verify(genuine)[0]


def test_a_recorded_quicknet_beacon_checks_offline() -> None:
    at = QUICKNET.round_time(QUICKNET_ROUND) - timedelta(minutes=5)
    result = draw(commit("R", entrants(20), QUOTAS, QUICKNET, QUICKNET_ROUND, at),
                  QUICKNET_SIGNATURE)
    assert verify(result) == []
    assert len(result.winners) == 6


def test_accept_either_type_takes_the_other_slot_when_the_first_is_full() -> None:
    quotas = {"sm-01/am/kn95": 1, "sm-01/am/surgical": 1}
    strict = [Entrant(pseudonym(KEY, f"k{n}"), ("sm-01/am/kn95",)) for n in range(3)]
    either = Entrant(pseudonym(KEY, "either"), ("sm-01/am/kn95", "sm-01/am/surgical"))
    result = draw(committed([*strict, either], quotas), sign_test_round(BEACON))
    assert Counter(w.slot for w in result.winners) == Counter(quotas)
    # Only the opt-in entrant can take the surgical place: nobody else chose it.
    assert {w.pseudonym for w in result.winners if w.slot == "sm-01/am/surgical"} == {
        either.pseudonym}


@given(st.lists(st.lists(st.sampled_from(list(QUOTAS)), min_size=1, max_size=3, unique=True),
                max_size=60),
       st.integers(min_value=BEACON, max_value=BEACON + 10**6))
@settings(max_examples=200, deadline=None)
def test_never_more_winners_than_places(lists: list[list[str]], beacon: int) -> None:
    people = [Entrant(pseudonym(KEY, str(n)), tuple(c)) for n, c in enumerate(lists)]
    result = draw(committed(people, beacon=beacon), sign_test_round(beacon))
    taken = Counter(w.slot for w in result.winners)
    assert all(taken[slot] <= QUOTAS[slot] for slot in taken)
    choices = {e.pseudonym: e.choices for e in people}
    assert all(w.slot in choices[w.pseudonym] for w in result.winners)
    assert len({w.pseudonym for w in result.winners}) == len(result.winners)
    # Nobody left out while one of their slots still had room.
    losers = set(choices) - {w.pseudonym for w in result.winners}
    assert all(taken[c] == QUOTAS[c] for p in losers for c in choices[p])
    assert verify(result, allow_test_chain=True) == []


@given(st.dictionaries(st.text(max_size=8), st.text(max_size=8) | st.integers()))
def test_a_garbage_record_is_a_clear_error(raw: dict[str, str | int]) -> None:
    with pytest.raises(DrawError):
        parse_draw(raw)


def verify_draw(tmp_path: Path, record: object,
                *flags: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "draw.json"
    path.write_text(record if isinstance(record, str) else json.dumps(record),
                    encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "server", "verify-draw", str(path), *flags],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_verify_draw_command(tmp_path: Path) -> None:
    genuine = drawn().to_json()
    ok = verify_draw(tmp_path, genuine, "--allow-test-chain")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("MATCH: round 2026-11-R1") and "all 6 winners" in ok.stdout
    assert "TEST beacon" in ok.stdout
    test_only = verify_draw(tmp_path, genuine)
    assert test_only.returncode == 1 and "test beacon" in test_only.stdout
    forged = {**genuine, "winners": list(reversed(genuine["winners"]))}
    bad = verify_draw(tmp_path, forged, "--allow-test-chain")
    assert bad.returncode == 1 and "MISMATCH" in bad.stdout and "winners:" in bad.stdout
    chosen = {**genuine, "seed": "f" * 64}
    steered = verify_draw(tmp_path, chosen, "--allow-test-chain")
    assert steered.returncode == 1 and "a seed that cannot be derived" in steered.stdout
    legacy = {"format": LEGACY_FORMAT, "round_id": "R", "seed_name": "s", "seed_value": "x"}
    old = verify_draw(tmp_path, legacy)
    assert old.returncode == 1 and "cannot be derived" in old.stdout
    broken = verify_draw(tmp_path, "{not json")
    assert broken.returncode == 2 and "error:" in broken.stderr
    at = QUICKNET.round_time(QUICKNET_ROUND) - timedelta(minutes=5)
    real = draw(commit("R", entrants(20), QUOTAS, QUICKNET, QUICKNET_ROUND, at),
                QUICKNET_SIGNATURE)
    checked = verify_draw(tmp_path, real.to_json())
    assert checked.returncode == 0 and "chain quicknet verified" in checked.stdout


# -- through the platform, on SQLite and PostgreSQL ------------------------------------

def test_the_platform_draws_only_with_the_named_beacon_rounds_signature(api: Api) -> None:
    r = api.round(quotas={"sm-01/am": 2})["id"]
    for n in range(6):
        api.enter(r, person(400 + n))
    base = f"/api/v1/admin/rounds/{r}/draws"
    now = api.clock.now()
    for published in (TEST_CHAIN.round_at(now), TEST_CHAIN.round_at(now) + 5):
        refused = api.admin.post(base, json={"chain": "test", "beacon_round": published})
        assert refused.status_code == 409 and "at least 60 s" in refused.json()["detail"]
    past = api.admin.post(base, json={"chain": "quicknet", "beacon_round": QUICKNET_ROUND})
    assert past.status_code == 409
    assert api.admin.post(base, json={"chain": "mine", "beacon_round": 9}).status_code == 422
    assert api.admin.post(base, json={"seed_name": "anything"}).status_code == 422
    answer = api.admin.post(base, json={"chain": "test"})
    assert answer.status_code == 201, answer.text
    record = answer.json()["record"]
    number, beacon = answer.json()["number"], record["beacon_round"]
    assert record["chain"]["test"] is True
    assert TEST_CHAIN.round_time(beacon) >= now + timedelta(seconds=60)
    reveal = f"{base}/{number}/beacon"
    # Nobody posts a seed; the round's signature is refused before it is due, and one of
    # another round never checks.
    assert api.admin.post(reveal, json={"seed_value": "9f3c0a"}).status_code == 422
    early = api.admin.post(reveal, json={})
    assert early.status_code == 409 and "draw after it" in early.json()["detail"]
    api.clock.advance(90)
    wrong = api.admin.post(reveal, json={"signature": sign_test_round(beacon + 1)})
    assert wrong.status_code == 409 and "not chain test's" in wrong.json()["detail"]
    done = api.admin.post(reveal, json={"signature": sign_test_round(beacon)})
    assert done.status_code == 200, done.text
    result = parse_draw(done.json()["record"])
    assert verify(result, allow_test_chain=True) == [] and len(result.winners) == 2
    assert api.admin.post(reveal, json={}).status_code == 409


def test_published_pseudonyms_are_per_round_and_their_keys_apart(api: Api) -> None:
    first = api.round(quotas={"sm-01/am": 5})["id"]
    second = api.round(quotas={"sm-01/am": 5})["id"]
    number = person(501)
    a, b = api.enter(first, number), api.enter(second, number)
    # Before: the same pseudonym in every round, computable from the ID number with the
    # one platform key kept in the same database as the entries.
    assert a["pseudonym"] != b["pseudonym"]
    engine = api.platform.engine
    internal = person_of(person_key(api.platform), "resident_id", number)
    assert internal not in (a["pseudonym"], b["pseudonym"])
    records = []
    for r in (first, second):
        answer = api.admin.post(f"/api/v1/admin/rounds/{r}/draws", json={"chain": "test"})
        records.append(json.dumps(answer.json()["record"]))
    assert a["pseudonym"] in records[0] and b["pseudonym"] in records[1]
    assert a["pseudonym"] not in records[1] and b["pseudonym"] not in records[0]
    assert internal not in records[0] + records[1]
    with engine.connect() as conn:
        keys = dict(conn.execute(select(round_keys.c.round_id, round_keys.c.key)).all())
        setting_names = set(conn.execute(select(platform_settings.c.name)).scalars())
        entry_columns = set(entries.c.keys())
    assert set(keys) >= {first, second} and keys[first] != keys[second]
    assert setting_names == {"pseudonym-key"} and not {"key", "round_key"} & entry_columns
    cipher = api.platform.platform.cipher
    assert cipher is not None
    with engine.begin() as conn:  # the rows are sealed: the platform's data key opens them
        opened = round_key(conn, cipher, first, api.clock.now())
    assert round_pseudonym(opened, internal) == a["pseudonym"]


def test_beacon_round_names_the_round_of_a_draws_moment() -> None:
    run = [sys.executable, "-m", "server", "beacon-round"]
    at = subprocess.run([*run, "--at", "2023-09-15T19:00:03+08:00"], cwd=ROOT,
                        capture_output=True, text=True, timeout=60)
    assert at.stdout.strip() == (f"chain quicknet round {QUICKNET_ROUND} comes out at"
                                 " 2023-09-15T11:00:03+00:00"), at.stderr
    between = subprocess.run([*run, "--at", "2023-09-15T11:00:02Z"], cwd=ROOT,
                             capture_output=True, text=True, timeout=60)
    assert f"round {QUICKNET_ROUND} comes out" in between.stdout
    naive = subprocess.run([*run, "--at", "2023-09-15T11:00"], cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    assert naive.returncode == 2 and "zone" in naive.stderr


def test_a_format_1_commitment_left_waiting_is_voided_by_the_next_commit(api: Api) -> None:
    r = api.round()["id"]
    api.enter(r, person(601))
    legacy = {"format": LEGACY_FORMAT, "round_id": f"{r}#1", "entrants": [], "quotas": {},
              "seed_name": "chosen later", "commitment": "0" * 64}
    with api.platform.engine.begin() as conn:
        conn.execute(draws.insert().values(round_id=r, number=1, record=legacy,
                                           committed_at=api.clock.now()))
    # Its seed would be whatever is posted: it can never be drawn.
    assert api.admin.post(f"/api/v1/admin/rounds/{r}/draws/1/beacon",
                          json={}).status_code == 409
    answer = api.admin.post(f"/api/v1/admin/rounds/{r}/draws", json={"chain": "test"})
    assert answer.status_code == 201 and answer.json()["number"] == 2
    voided = api.kiosk().get(f"/api/v1/rounds/{r}/draws/1").json()["record"]
    assert "whose seed was chosen at the draw" in voided["void"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_real_platform_refuses_the_test_beacon(backend: str, tmp_path: Path) -> None:
    # Before: any platform took {"chain": "test"}, whose signing secret is in
    # server/beacon.py: the operator could forge its beacon and choose the winners.
    with served_platform(backend, tmp_path, allow_test_beacon=False) as (api, _):
        r = api.round(quotas={"sm-01/am": 1})["id"]
        for n in range(3):
            api.enter(r, person(700 + n))
        base = f"/api/v1/admin/rounds/{r}/draws"
        refused = api.admin.post(base, json={"chain": "test"})
        assert refused.status_code == 409
        assert "public signing key" in refused.json()["detail"]
        assert "quicknet" in refused.json()["detail"]
        by_hash = api.admin.post(base, json={"chain": TEST_CHAIN.hash})
        assert by_hash.status_code == 409  # named by its hash: the same chain
        # A test-chain draw committed before (by a platform that took it) is never drawn
        # here: the reveal is refused and the next commit voids it.
        now = api.clock.now()
        left = commit(f"{r}#1", [], {"sm-01/am": 1}, TEST_CHAIN,
                      first_usable_round(TEST_CHAIN, now), now)
        with api.platform.engine.begin() as conn:
            conn.execute(draws.insert().values(round_id=r, number=1, record=left.to_json(),
                                               committed_at=now))
        api.clock.advance(120)
        stuck = api.admin.post(f"{base}/1/beacon", json={})
        assert stuck.status_code == 409 and "public signing key" in stuck.json()["detail"]
        real = api.admin.post(base, json={"chain": "quicknet"})
        assert real.status_code == 201 and real.json()["number"] == 2
        assert real.json()["record"]["chain"]["test"] is False
        voided = api.kiosk().get(f"/api/v1/rounds/{r}/draws/1").json()["record"]
        assert "test beacon chain" in voided["void"]
    # The demo's platform (the default of the embedded one) still draws on it offline.
    (tmp_path / "demo").mkdir()
    with served_platform(backend, tmp_path / "demo") as (demo, _):
        r = demo.round()["id"]
        demo.enter(r, person(710))
        taken = demo.admin.post(f"/api/v1/admin/rounds/{r}/draws", json={"chain": "test"})
        assert taken.status_code == 201, taken.text
