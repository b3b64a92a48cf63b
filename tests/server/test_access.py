"""Presence, not knowledge (issue 16, finding 1 and the first-come half of finding 2), on
SQLite and PostgreSQL over a real socket: a document number at another kiosk gives a
case's or an entry's status but never its pickup code; a code redeems only when shown;
an entry is changed only by the kiosk that made it, and staff withdraw a planted one;
every lookup, entry, redemption and cabinet collection is rate-limited per credential
(429 with Retry-After), an anomaly staff see; every lookup and redemption is audited,
never with a document number."""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from contracts.platform_api import (
    ANOMALIES_PATH,
    AUDIT_PATH,
    CABINET_COLLECT_PATH,
    CABINET_LOADS_PATH,
    CASE_LOOKUP_PATH,
    REDEEM_PATH,
    RESERVATION_LOOKUP_PATH,
    RESERVE_PATH,
    STAFF_ENTRIES_PATH,
    AnomalyList,
    AuditList,
)
from server.db import access_audit
from server.rate_limits import PER_MINUTE, RateLimited, RateLimiter, RateLimits
from tests.support.platform_api import START, Api, person, send


def ready_case(api: Api, seq: int, number: str, kiosk: str = "K-A") -> str:
    """A case of ``kiosk``'s, ready for pickup at a counter (its reference)."""
    ref = str(send(api, kiosk, seq, number, outcome="approved")["reference"])
    moved = api.staff.post(f"/api/v1/staff/cases/{ref}/status",
                           json={"status": "ready_for_pickup"})
    assert moved.status_code == 200, moved.text
    return ref


def cases_by_card(client: httpx.Client, number: str) -> list[dict[str, Any]]:
    answer = client.post(CASE_LOOKUP_PATH, json={"document": {"document_number": number}})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["cases"]
    return found


def entries_by_card(client: httpx.Client, number: str) -> list[dict[str, Any]]:
    answer = client.post(RESERVATION_LOOKUP_PATH,
                         json={"document": {"document_number": number}})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["entries"]
    return found


def entry_body(round_id: str, number: str, **fields: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "round_id": round_id, "document_type": "resident_id",
            "document_number": number, "slot": "sm-01/am", "health": "well", **fields}


def withdraw(api: Api, reference: str, reason: str = "not_the_person") -> dict[str, Any]:
    answer = api.staff.post(f"{STAFF_ENTRIES_PATH}/{reference}/withdraw",
                            json={"reason": reason})
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def audit_rows(api: Api) -> list[dict[str, Any]]:
    with api.platform.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(access_audit)
                                                       .order_by(access_audit.c.pk))]


# -- presence, not knowledge ---------------------------------------------------------------
def test_a_document_number_at_another_kiosk_gives_the_status_never_the_code(api: Api) -> None:
    number = person(1)
    ref = ready_case(api, 1, number, kiosk="K-A")
    elsewhere = cases_by_card(api.kiosk("K-B"), number)
    assert [(c["reference"], c["status"], c["pickup_code"]) for c in elsewhere] == [
        (ref, "ready_for_pickup", "")]
    assert [e["status"] for e in elsewhere[0]["timeline"]][-1] == "ready_for_pickup"
    # Where the case was made, and at the counter, the code is there.
    own = cases_by_card(api.kiosk("K-A"), number)[0]["pickup_code"]
    assert own.startswith("GKP1.") and cases_by_card(api.staff, number)[0]["pickup_code"] == own
    # The number is no code: only the code itself redeems, at any kiosk.
    typed = api.kiosk("K-B").post(REDEEM_PATH, json={"code": number}).json()
    assert (typed["status"], typed["reason"]) == ("refused", "damaged")
    shown = api.kiosk("K-B").post(REDEEM_PATH, json={"code": own}).json()
    assert shown["status"] == "redeemed"


def test_another_kiosks_entries_come_without_their_pickup_code(api: Api) -> None:
    r = api.round(mode="first_come")["id"]
    number = person(2)
    won = api.enter(r, number, kiosk="K-A")
    assert won["status"] == "allocated" and won["pickup_code"]
    elsewhere = entries_by_card(api.kiosk("K-B"), number)
    assert [(e["reference"], e["status"], e["pickup_code"]) for e in elsewhere] == [
        (won["reference"], "won", "")]
    assert entries_by_card(api.kiosk("K-A"), number)[0]["pickup_code"] == won["pickup_code"]
    assert entries_by_card(api.staff, number)[0]["pickup_code"] == won["pickup_code"]


def test_an_entry_is_changed_only_by_the_kiosk_that_made_it(api: Api) -> None:
    r = api.round()["id"]
    number = person(3)
    first = api.enter(r, number, kiosk="K-A")
    meddled = api.enter(r, number, kiosk="K-B", slot="sm-01/pm")
    assert (meddled["status"], meddled["reason"]) == ("refused", "other_kiosk")
    assert "another kiosk" in meddled["detail"] and number not in meddled["detail"]
    assert [e["choices"] for e in entries_by_card(api.staff, number)] == [["sm-01/am"]]
    edit = api.enter(r, number, kiosk="K-A", slot="sm-01/pm")
    assert (edit["status"], edit["reference"]) == ("updated", first["reference"])


def test_staff_withdraw_a_planted_entry_and_the_person_is_not_locked_out(api: Api) -> None:
    quotas = {"sm-01/am": 5}
    first = api.round(mode="first_come", quotas=quotas, lockout_days=10)["id"]
    victim = person(4)
    planted = api.enter(first, victim, kiosk="K-EVIL")
    assert planted["status"] == "allocated"
    later = api.round(mode="first_come", quotas=quotas)["id"]
    assert api.enter(later, victim, kiosk="K-A")["reason"] == "locked_out"

    done = withdraw(api, planted["reference"])
    assert (done["status"], done["place_returned"]) == ("withdrawn", True)
    stock = api.kiosk().get(f"/api/v1/rounds/{first}/stock").json()["remaining"]
    assert stock == {"sm-01/am": 5}
    void = api.kiosk("K-EVIL").post(REDEEM_PATH, json={"code": planted["pickup_code"]}).json()
    assert (void["status"], void["reason"]) == ("refused", "not_issued")
    assert api.enter(later, victim, kiosk="K-A")["status"] == "allocated"
    assert withdraw(api, planted["reference"])["reason"] == "not_live"
    assert withdraw(api, "R-NOSUCH")["reason"] == "no_entry"
    # Goods handed over on a code cannot be withdrawn: presence was proved.
    collected = api.enter(first, person(5), kiosk="K-A")
    api.kiosk("K-A").post(REDEEM_PATH, json={"code": collected["pickup_code"]})
    assert withdraw(api, collected["reference"])["reason"] == "collected"
    # Only staff withdraw; the trail names who.
    assert api.kiosk("K-A").post(f"{STAFF_ENTRIES_PATH}/{collected['reference']}/withdraw",
                                 json={"reason": "mistake"}).status_code == 403
    trail = AuditList.model_validate(api.staff.get(AUDIT_PATH, params={
        "kind": "withdraw"}).json()).entries
    assert [(e.credential, e.reference, e.outcome) for e in reversed(trail)] == [
        ("staff:wang", planted["reference"], "withdrawn"),
        ("staff:wang", planted["reference"], "refused:not_live"),
        ("staff:wang", "R-NOSUCH", "refused:no_entry"),
        ("staff:wang", collected["reference"], "refused:collected")]


def test_a_withdrawn_lottery_entry_leaves_the_draw(api: Api) -> None:
    r = api.round()["id"]
    planted = api.enter(r, person(6), kiosk="K-EVIL")
    kept = api.enter(r, person(7), kiosk="K-A")
    assert withdraw(api, planted["reference"])["status"] == "withdrawn"
    committed = api.admin.post(f"/api/v1/admin/rounds/{r}/draws",
                               json={"chain": "test"}).json()["record"]
    assert [e["pseudonym"] for e in committed["entrants"]] == [kept["pseudonym"]]
    again = api.enter(r, person(6), kiosk="K-A")  # the person's own entry, now
    assert again["status"] == "entered"


# -- rate limits ---------------------------------------------------------------------------
def test_trying_every_sequence_number_stops_at_the_limit_with_retry_after(api: Api) -> None:
    """The finding: 1,000 sequence numbers of one birth date tried in 11 s."""
    prober = api.kiosk("K-PROBE")
    answered = 0
    for serial in range(1000):
        answer = prober.post(CASE_LOOKUP_PATH, json={
            "document": {"document_number": person(serial, born="19750607")}})
        if answer.status_code == 429:
            break
        assert answer.status_code == 200
        answered += 1
    assert answered == PER_MINUTE
    assert answer.headers["Retry-After"] == "60"
    assert person(serial, born="19750607") not in answer.text
    # Other kinds and other kiosks have budgets of their own.
    assert api.kiosk("K-A").post(CASE_LOOKUP_PATH, json={"document": {
        "document_number": person(1)}}).status_code == 200
    assert prober.post(RESERVATION_LOOKUP_PATH, json={"document": {
        "document_number": person(1)}}).status_code == 200
    api.clock.advance(59)
    assert prober.post(CASE_LOOKUP_PATH, json={}).status_code == 429
    api.clock.advance(1)  # Retry-After later, the caller gets through
    assert prober.post(CASE_LOOKUP_PATH, json={}).status_code == 200


def test_one_kiosk_cannot_take_every_first_come_place(api: Api) -> None:
    """The finding: 200 of 200 first-come places taken by one kiosk in 2.6 s."""
    r = api.round(mode="first_come", quotas={"sm-01/am": 200},
                  eligibility={"residence_regions": ["3502"]})["id"]
    bot = api.kiosk("K-BOT")
    statuses = [bot.post(RESERVE_PATH, json=entry_body(r, person(n))).status_code
                for n in range(PER_MINUTE + 5)]
    assert statuses == [200] * PER_MINUTE + [429] * 5
    left = api.kiosk().get(f"/api/v1/rounds/{r}/stock").json()["remaining"]
    assert left == {"sm-01/am": 200 - PER_MINUTE}
    assert api.kiosk("K-A").post(RESERVE_PATH, json=entry_body(
        r, person(999))).json()["status"] == "allocated"  # everyone else still gets in
    seen = AnomalyList.model_validate(api.staff.get(ANOMALIES_PATH).json()).anomalies
    assert [(a.credential, a.kind, a.count) for a in seen] == [("kiosk:K-BOT", "entry", 5)]


def test_redemptions_and_cabinet_collections_are_limited_too(api: Api) -> None:
    kiosk = api.kiosk("K-A")
    statuses = {kiosk.post(REDEEM_PATH, json={"code": f"GKP1.forged{n}"}).status_code
                for n in range(PER_MINUTE)}
    assert statuses == {200}
    assert kiosk.post(REDEEM_PATH, json={"code": "GKP1.x"}).status_code == 429
    for n in range(PER_MINUTE):
        assert kiosk.post(CABINET_COLLECT_PATH, json={
            "document_number": person(n)}).status_code == 200
    refused = kiosk.post(CABINET_COLLECT_PATH, json={"document_number": person(99)})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) == 60


def test_staff_see_the_anomaly_and_the_log_has_a_line_without_personal_data(
        api: Api, caplog: pytest.LogCaptureFixture) -> None:
    prober = api.kiosk("K-PROBE")
    numbers = [person(n, born="19660101") for n in range(PER_MINUTE + 3)]
    with caplog.at_level(logging.WARNING, logger="server"):
        for number in numbers:
            prober.post(RESERVATION_LOOKUP_PATH, json={"document": {"document_number": number}})
            api.clock.advance(0.5)
    seen = AnomalyList.model_validate(api.staff.get(ANOMALIES_PATH).json()).anomalies
    assert [(a.credential, a.kind, a.count) for a in seen] == [
        ("kiosk:K-PROBE", "entry_lookup", 3)]
    assert seen[0].first_at == START + timedelta(seconds=15)
    assert seen[0].last_at == START + timedelta(seconds=16)
    assert api.kiosk("K-PROBE").get(ANOMALIES_PATH).status_code == 403
    gone = api.staff.get(ANOMALIES_PATH, params={
        "since": (START + timedelta(minutes=5)).isoformat()}).json()["anomalies"]
    assert gone == []
    lines = [r.getMessage() for r in caplog.records if "rate limit" in r.getMessage()]
    assert len(lines) == 1 and "kiosk:K-PROBE" in lines[0] and "entry_lookup" in lines[0]
    assert not any(n in caplog.text for n in numbers)


def test_every_lookup_and_redemption_leaves_an_audit_row_without_the_document(
        api: Api) -> None:
    number = person(8)
    ref = ready_case(api, 1, number, kiosk="K-A")
    code = cases_by_card(api.kiosk("K-A"), number)[0]["pickup_code"]
    cases_by_card(api.kiosk("K-B"), number)
    api.kiosk("K-B").post(CASE_LOOKUP_PATH, json={"reference": ref})
    entries_by_card(api.kiosk("K-B"), number)
    api.kiosk("K-B").post(REDEEM_PATH, json={"code": code})
    api.kiosk("K-C").post(REDEEM_PATH, json={"code": code})
    api.staff.post(REDEEM_PATH, json={"code": "nonsense"})
    rows = audit_rows(api)
    assert [(r["who"], r["kind"], r["reference"], r["outcome"]) for r in rows] == [
        ("kiosk:K-A", "case_lookup", ref, "found:1"),
        ("kiosk:K-B", "case_lookup", ref, "found:1"),
        ("kiosk:K-B", "case_lookup", ref, "found:0"),
        ("kiosk:K-B", "entry_lookup", "-", "found:0"),
        ("kiosk:K-B", "redeem", ref, "redeemed"),
        ("kiosk:K-C", "redeem", ref, "refused:already_redeemed"),
        ("staff:wang", "redeem", "-", "refused:damaged")]
    pseudonyms = {r["person"] for r in rows if r["kind"].endswith("lookup") and r["person"]}
    assert len(pseudonyms) == 1 and number not in pseudonyms.pop()
    assert all(r["at"] is not None for r in rows)
    assert not any(number in str(value) for r in rows for value in r.values())
    trail = AuditList.model_validate(api.staff.get(AUDIT_PATH, params={
        "credential": "kiosk:K-B"}).json()).entries
    assert [e.kind for e in trail] == ["redeem", "entry_lookup", "case_lookup",
                                       "case_lookup"]
    assert number not in api.staff.get(AUDIT_PATH).text


def test_a_cabinet_collection_is_audited_and_redeems_only_in_this_cabinet(api: Api) -> None:
    number = person(9)
    ref = str(send(api, "K-A", 1, number, outcome="approved")["reference"])
    loaded = api.kiosk("K-A").post(CABINET_LOADS_PATH, json={"reference": ref,
                                                             "compartment": "3"})
    assert loaded.json()["status"] == "ready"
    elsewhere = api.kiosk("K-B").post(CABINET_COLLECT_PATH, json={"document_number": number})
    assert elsewhere.json()["redemptions"] == []  # nothing of theirs behind K-B's doors
    here = api.kiosk("K-A").post(CABINET_COLLECT_PATH, json={"document_number": number})
    assert here.json()["compartments"] == {ref: "3"}
    rows = [(r["who"], r["reference"], r["outcome"]) for r in audit_rows(api)
            if r["kind"] == "cabinet_collect"]
    assert rows == [("kiosk:K-B", "-", "none"), ("kiosk:K-A", ref, "redeemed:1")]


# -- the limiter itself ----------------------------------------------------------------------
def test_the_limiter_lets_exactly_the_limit_through_under_threads() -> None:
    limiter = RateLimiter(RateLimits(default=30))
    now = datetime(2026, 12, 4, tzinfo=UTC)
    admitted: list[int] = []
    lock = threading.Lock()

    def hammer() -> None:
        for _ in range(10):
            try:
                limiter.check("kiosk:K", "redeem", now)
            except RateLimited:
                continue
            with lock:
                admitted.append(1)

    threads = [threading.Thread(target=hammer) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(admitted) == 30


def test_a_kind_may_have_its_own_limit() -> None:
    limiter = RateLimiter(RateLimits(default=30, per_kind={"entry": 2}))
    now = datetime(2026, 12, 4, tzinfo=UTC)
    limiter.check("kiosk:K", "entry", now)
    limiter.check("kiosk:K", "entry", now)
    with pytest.raises(RateLimited) as refused:
        limiter.check("kiosk:K", "entry", now)
    assert refused.value.retry_after == 60
    limiter.check("kiosk:K", "redeem", now)


@settings(max_examples=200, deadline=None)
@given(limit=st.integers(1, 5),
       gaps=st.lists(st.floats(0, 40, allow_nan=False), min_size=1, max_size=40))
def test_no_window_holds_more_than_the_limit_and_retry_after_is_honest(
        limit: int, gaps: list[float]) -> None:
    limiter = RateLimiter(RateLimits(default=limit))
    at = datetime(2026, 12, 4, tzinfo=UTC)
    admitted: list[datetime] = []
    for gap in gaps:
        at += timedelta(seconds=gap)
        try:
            limiter.check("kiosk:K", "case_lookup", at)
            admitted.append(at)
        except RateLimited as exc:
            assert 1 <= exc.retry_after <= 60
            probe = RateLimiter(RateLimits(default=limit))  # the same history, replayed
            for moment in admitted:
                probe.check("kiosk:K", "case_lookup", moment)
            probe.check("kiosk:K", "case_lookup", at + timedelta(seconds=exc.retry_after))
    for moment in admitted:
        in_window = [m for m in admitted if moment - timedelta(minutes=1) < m <= moment]
        assert len(in_window) <= limit
