"""The reservation endpoint's entry desk (server.entry_desk): entries made off the event
loop keep every rule of server.reservations. On SQLite a batch shares one commit and each
entry its own savepoint; on PostgreSQL a refusal or a replay is one statement without a
transaction around it, and anything more goes through the full transaction."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from contracts.identity import check_digit
from contracts.platform_api import EntryOutcome, EntryRequest, RoundConfig
from server import app as server_app
from server import credentials, http_auth
from server.caches import PlatformCaches
from server.db import entries, make_engine, pickups, round_stock
from server.entry_desk import (
    ANSWERED,
    ARRIVED,
    BATCH,
    COMMITTED,
    QUEUED,
    RESUMED,
    SIZE,
    EntryDesk,
    StageTrace,
)
from server.rounds import create_round
from server.sealing import PayloadCipher
from server.signing import PickupSigner
from tests.support.databases import BACKENDS, platform_database
from tests.support.platform_access import bearer
from tests.support.platform_api import Api

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
KEY = b"k" * 32


def number(serial: int) -> str:
    first = f"35020319800101{serial:03d}"
    return first + check_digit(first)


def request(serial: int, slot: str = "sm-01/am", round_id: str = "r1") -> EntryRequest:
    return EntryRequest(id=str(uuid.uuid4()), round_id=round_id, document_type="resident_id",
                        document_number=number(serial), slot=slot, health="well")


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with platform_database(request.param, tmp_path) as url:
        made = make_engine(url)
        create_round(made, RoundConfig(
            id="r1", mode="first_come", opens_at=NOW - timedelta(hours=1),
            closes_at=NOW + timedelta(days=1), quotas={"sm-01/am": 3, "sm-01/pm": 2}), NOW)
        yield made
        made.dispose()


def describe(slot: str) -> tuple[str, str]:
    if slot == "sm-01/pm":
        raise RuntimeError("no such window")  # an entry that fails half-way
    return "a pharmacy", slot


def desk_on(engine: Engine) -> EntryDesk:
    signer = PickupSigner(Ed25519PrivateKey.generate())
    return EntryDesk(engine, KEY, PayloadCipher.throwaway(), signer, describe, PlatformCaches())


async def all_of(desk: EntryDesk, asks: list[EntryRequest]
                 ) -> list[EntryOutcome | BaseException]:
    return await asyncio.gather(*(desk.enter(r, "K-1", NOW) for r in asks),
                                return_exceptions=True)


def counts(engine: Engine) -> tuple[int, int, int, int]:
    with engine.connect() as conn:
        won = conn.execute(select(func.count()).select_from(entries)
                           .where(entries.c.status == "won")).scalar_one()
        refused = conn.execute(select(func.count()).select_from(entries)
                               .where(entries.c.status == "refused")).scalar_one()
        left = conn.execute(select(func.sum(round_stock.c.remaining))).scalar_one()
        codes = conn.execute(select(func.count()).select_from(pickups)).scalar_one()
    return won, refused, left, codes


async def test_a_burst_gets_exactly_the_quota_and_one_failure_sinks_nothing(
        engine: Engine) -> None:
    desk = desk_on(engine)
    try:
        asks = [request(n) for n in range(20)]
        failing = request(99, slot="sm-01/pm")  # fails after taking its place
        twice = asks[3]
        answers = await all_of(desk, [*asks, failing, twice])
    finally:
        desk.close()
    outcomes = [a for a in answers if isinstance(a, EntryOutcome)]
    errors = [a for a in answers if isinstance(a, BaseException)]
    assert [str(e) for e in errors] == ["no such window"]
    assert sum(o.status == "allocated" and not o.replayed for o in outcomes) == 3
    assert {o.reason for o in outcomes if o.status == "refused"} == {"sold_out"}
    # The same request twice: one answer, given once and then replayed (on PostgreSQL
    # both may run at once: whichever commits first is the answer).
    first, again = answers[3], answers[-1]
    assert isinstance(first, EntryOutcome) and isinstance(again, EntryOutcome)
    assert {first.replayed, again.replayed} == {False, True}
    assert again.model_copy(update={"replayed": False}) == first.model_copy(
        update={"replayed": False})
    # The failed entry's place went back with its savepoint: "pm" still has both.
    assert counts(engine) == (3, 17, 2, 3)


async def test_a_sold_out_refusal_is_written_once_and_replayed(engine: Engine) -> None:
    desk = desk_on(engine)
    try:
        taken = await all_of(desk, [request(n) for n in range(3)])
        late = request(50)
        refused, replay = [await desk.enter(late, "K-2", NOW) for _ in range(2)]
    finally:
        desk.close()
    assert all(isinstance(t, EntryOutcome) and t.status == "allocated" for t in taken)
    assert (refused.status, refused.reason, refused.replayed) == ("refused", "sold_out", False)
    assert replay == refused.model_copy(update={"replayed": True})
    assert counts(engine) == (3, 1, 2, 3)


def test_a_place_given_back_is_taken_again_not_refused(api: Api) -> None:
    """The sold-out refusal is decided only when no slot chosen has a place left."""
    r = api.round(mode="first_come", quotas={"sm-01/am": 1})["id"]
    won = api.enter(r, number(1))
    assert api.enter(r, number(2))["reason"] == "sold_out"
    back = api.staff.post(f"/api/v1/staff/entries/{won['reference']}/withdraw",
                          json={"reason": "not_the_person"}).json()
    assert back["place_returned"] is True
    assert api.enter(r, number(3))["status"] == "allocated"


def test_revoking_a_kiosk_stops_its_next_entry_at_once(api: Api) -> None:
    """The credential check on the event loop forgets a revoked kiosk at once."""
    r = api.round(mode="first_come")["id"]
    assert api.enter(r, number(4), kiosk="K-R")["status"] == "allocated"
    assert api.admin.delete("/api/v1/admin/credentials/kiosk/K-R").json() == {"revoked": True}
    body = request(5, round_id=r).model_dump(mode="json")
    assert api.kiosk("K-R").post("/api/v1/reservations", json=body).status_code == 401
    token = api.platform.enrol("kiosk", "K-R")
    assert api.kiosk("K-R").post("/api/v1/reservations", json=body,
                                 headers=bearer(token)).status_code == 200


async def test_other_work_joins_the_queue_in_its_turn(engine: Engine) -> None:
    """A credential lookup through the desk runs between batches, never inside one (on
    SQLite it sees the entries sent before it committed), and its error is its own."""
    desk = desk_on(engine)

    def won_so_far() -> int:
        return counts(engine)[0]

    def broken() -> int:
        raise LookupError("not there")

    try:
        before = [desk.enter(request(n), "K-1", NOW) for n in range(2)]
        seen = desk.call(won_so_far)
        failed = desk.call(broken)
        answers = await asyncio.gather(*before, seen, failed, return_exceptions=True)
    finally:
        desk.close()
    # SQLite: one thread, so strictly after; PostgreSQL: taken in turn, run beside them.
    assert answers[2] == 2 if engine.dialect.name == "sqlite" else answers[2] in (0, 1, 2)
    assert isinstance(answers[3], LookupError)


async def test_the_bench_trace_keeps_times_in_order_and_nothing_of_the_person(
        engine: Engine, tmp_path: Path) -> None:
    """bench/reservation_load.py --stages: a traced entry's stamps follow its life
    (queued, its batch, the commit, its answer, the endpoint resumed), and the file
    written at shutdown holds times only, no document number."""
    desk = desk_on(engine)
    trace = StageTrace(tmp_path / "stages", "/api/v1/reservations")
    trace.watch_gc()
    records = [trace.record() for _ in range(3)]
    try:
        answers = await asyncio.gather(*(desk.enter(request(n), "K-1", NOW, trace=r)
                                         for n, r in enumerate(records)))
    finally:
        desk.close()
    assert [a.status for a in answers] == ["allocated"] * 3
    for r in records:
        stamps = [r[ARRIVED], r[QUEUED], r[BATCH], r[COMMITTED], r[ANSWERED], r[RESUMED]]
        assert stamps == sorted(stamps)
        assert r[SIZE] >= 1
    trace.records += records
    trace.dump()
    dumped = list(tmp_path.glob("stages.*.json"))
    assert len(dumped) == 1
    text = dumped[0].read_text()
    assert json.loads(text)["stages"][0] == "arrived"
    assert all(number(n) not in text for n in range(3))


def test_a_kiosks_requests_that_miss_the_cache_together_share_one_look_up(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under a burst each of a kiosk's requests used to look its credential up in the
    desk's queue; those that miss together now wait for one look-up (bench/RESULTS.md)."""
    r = api.round(mode="first_come", quotas={"sm-01/am": 10})["id"]
    token = api.platform.enrol("kiosk", "K-S")
    lock, release = threading.Lock(), threading.Event()
    seen = {"misses": 0, "look-ups": 0}
    real_remembered, real_authenticate = credentials.remembered, credentials.authenticate

    def remembered(cache: Any, given: str) -> Any:
        who = real_remembered(cache, given)
        if who is None and given == token:
            with lock:
                seen["misses"] += 1
        return who

    def authenticate(engine: Engine, given: str, cache: Any) -> Any:
        if given == token:
            with lock:
                seen["look-ups"] += 1
            release.wait(timeout=30)  # the first look-up holds until every request missed
        return real_authenticate(engine, given, cache)

    monkeypatch.setattr(http_auth, "remembered", remembered)
    monkeypatch.setattr(server_app, "authenticate", authenticate)

    def enter(n: int) -> int:
        body = request(n, round_id=r).model_dump(mode="json")
        with httpx.Client(base_url=api.platform.url, timeout=30,
                          headers=bearer(token)) as client:
            return client.post("/api/v1/reservations", json=body).status_code

    with ThreadPoolExecutor(4) as pool:
        answers = [pool.submit(enter, n) for n in range(4)]
        deadline = time.monotonic() + 30
        while seen["misses"] < 4 and time.monotonic() < deadline:
            time.sleep(0.01)  # waiting for the condition: all four missed the cache
        release.set()
        codes = [a.result() for a in answers]
    assert seen["misses"] == 4
    assert codes == [200] * 4
    assert seen["look-ups"] == 1


async def test_a_request_whose_client_went_away_does_not_stop_the_desk(
        engine: Engine) -> None:
    """A client that disconnects cancels its request's future; the desk's thread must
    outlive answering it, or every later entry would wait for ever."""
    desk = desk_on(engine)
    gate = threading.Event()
    try:
        held = asyncio.ensure_future(desk.call(lambda: gate.wait(10)))  # the desk is busy
        gone = asyncio.ensure_future(desk.enter(request(0), "K-1", NOW))
        await asyncio.sleep(0)  # both queued, in this order
        gone.cancel()
        gate.set()
        assert await held is True
        answers = await asyncio.wait_for(all_of(desk, [request(n) for n in (1, 2)]), 30)
    finally:
        desk.close()
    assert all(isinstance(a, EntryOutcome) for a in answers), answers
    assert counts(engine)[0] == 3  # the entry of the client that went away stands too


def test_a_malformed_token_never_joins_the_desks_queue(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """Anyone can send rubbish: it is refused without a look-up in the desk's queue, where
    it would hold up the entries behind it."""
    looked_up: list[str] = []
    real_authenticate = credentials.authenticate

    def authenticate(engine: Engine, given: str, cache: Any) -> Any:
        looked_up.append(given)
        return real_authenticate(engine, given, cache)

    monkeypatch.setattr(server_app, "authenticate", authenticate)
    for junk in ("junk", "gk.kiosk", "gk.nobody.K-1.secret", "gk.kiosk.K-1." + "x" * 300):
        answer = httpx.post(f"{api.platform.url}/api/v1/reservations", json={},
                            headers=bearer(junk), timeout=30)
        assert answer.status_code == 401, junk
    assert looked_up == []
    well_formed = "gk.kiosk.K-1.guessed"
    assert httpx.post(f"{api.platform.url}/api/v1/reservations", json={},
                      headers=bearer(well_formed), timeout=30).status_code == 401
    assert looked_up == [well_formed]  # a well-formed one is still looked up
