"""What a kiosk did offline, applied when it syncs, on SQLite and PostgreSQL: entries
judged as of when they were made (bounded), their outcomes readable by card, once per
entry; redemptions recorded, and a code collected twice flagged for staff."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from contracts.platform_api import EntryRequest
from contracts.wire import RedemptionPayload, ReservationPayload
from server.offline import MAX_OFFLINE_AGE, as_of
from tests.support.platform_api import START, Api, person


def entry(round_id: str, number: str, **fields: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "round_id": round_id, "document_type": "resident_id",
            "document_number": number, "slot": "sm-01/am", "health": "well", **fields}


def queued(kiosk: str, seq: int, kind: str, payload: dict[str, Any],
           tx_id: str | None = None) -> dict[str, Any]:
    return {"id": tx_id or str(uuid.uuid4()), "kiosk_id": kiosk, "seq": seq, "kind": kind,
            "item_id": "mask-reservation", "reference": f"{kiosk}-{seq:06d}",
            "created_at": START.isoformat(), "payload": payload}


def offline_entry(kiosk: str, seq: int, body: dict[str, Any], made_at: datetime,
                  offset_s: float = 0.0) -> dict[str, Any]:
    """As the kiosk queues it: the shared wire models, the entry's id as the UUID."""
    payload = ReservationPayload(entry=EntryRequest.model_validate(body), made_at=made_at,
                                 clock_offset_s=offset_s)
    return queued(kiosk, seq, "reservation", payload.model_dump(mode="json"), tx_id=body["id"])


def sync(api: Api, kiosk: str, *items: dict[str, Any]) -> list[dict[str, Any]]:
    answer = api.kiosk(kiosk).post("/api/v1/transactions/batch",
                                   json={"transactions": list(items)})
    assert answer.status_code == 200, answer.text
    results: list[dict[str, Any]] = answer.json()["results"]
    return results


def my_entries(api: Api, number: str, kiosk: str = "K-Z") -> list[dict[str, Any]]:
    answer = api.kiosk(kiosk).post("/api/v1/reservations/lookup",
                                   json={"document": {"document_number": number}})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["entries"]
    return found


def test_the_as_of_moment_is_the_kiosks_stamp_corrected_and_bounded() -> None:
    received = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    made = received - timedelta(hours=2)
    # kiosk 5 minutes fast: the entry was made 5 minutes earlier than its stamp says
    assert as_of(made, 300, received) == made - timedelta(minutes=5)
    assert as_of(received + timedelta(days=1), 0, received) == received  # no future
    assert as_of(received - timedelta(days=30), 0, received) == received - MAX_OFFLINE_AGE
    assert as_of(made.replace(tzinfo=None), 0, received) == made  # no zone: UTC


def test_an_offline_entry_is_judged_as_of_when_it_was_made(api: Api) -> None:
    r = api.round(mode="first_come", closes_at=(START + timedelta(days=1)).isoformat())["id"]
    api.clock.advance(26 * 3600)  # the round closed 2 hours ago
    made = START + timedelta(hours=23)  # ...but the kiosk took the entry before that
    body = entry(r, person(1))
    result = sync(api, "K-A", offline_entry("K-A", 1, body, made))[0]
    assert (result["status"], result["reason"]) == ("accepted", "allocated")
    [seen] = my_entries(api, person(1), kiosk="K-A")  # the code: only where it was given
    assert (seen["status"], seen["made_offline"], seen["slot"]) == ("won", True, "sm-01/am")
    assert seen["pickup_code"].startswith("GKP1.")
    # the code's validity counts from when the platform gave the place, not the kiosk's stamp
    valid_until = datetime.fromisoformat(seen["valid_until"].replace("Z", "+00:00"))
    assert valid_until == api.clock.now() + timedelta(days=2)


def test_the_kiosks_measured_drift_is_taken_off_its_stamp(api: Api) -> None:
    r = api.round(closes_at=(START + timedelta(hours=1)).isoformat())["id"]
    api.clock.advance(2 * 3600)
    # stamped 10 minutes after closing by a clock 15 minutes fast: made before closing
    made = START + timedelta(minutes=70)
    fast = sync(api, "K-A", offline_entry("K-A", 1, entry(r, person(9)), made, 900))[0]
    slow = sync(api, "K-A", offline_entry("K-A", 2, entry(r, person(19)), made, 0))[0]
    assert (fast["reason"], slow["reason"]) == ("entered", "refused:closed")


def test_a_kiosk_clock_cannot_carry_an_entry_into_an_earlier_open_window(api: Api) -> None:
    r = api.round(mode="first_come", closes_at=(START + timedelta(days=1)).isoformat())["id"]
    api.clock.advance(5 * 86400)  # closed four days ago: longer than the offline bound
    body = entry(r, person(2))
    result = sync(api, "K-A", offline_entry("K-A", 1, body, START + timedelta(hours=2)))[0]
    assert (result["status"], result["reason"]) == ("accepted", "refused:closed")
    [seen] = my_entries(api, person(2))
    assert (seen["status"], seen["reason"], seen["made_offline"]) == ("refused", "closed", True)


def test_a_round_rule_refusal_is_the_entrys_answer_and_readable_by_card(api: Api) -> None:
    r = api.round()["id"]  # Xiamen household or local social security
    outsider = person(3, region="110101")
    results = sync(api, "K-A",
                   offline_entry("K-A", 1, entry(r, outsider), START + timedelta(minutes=5)),
                   offline_entry("K-A", 2, entry(r, person(4)), START + timedelta(minutes=6)))
    assert [(x["status"], x["reason"]) for x in results] == [
        ("accepted", "refused:not_eligible"), ("accepted", "entered")]
    [refused] = my_entries(api, outsider)
    assert (refused["status"], refused["reason"]) == ("refused", "not_eligible")
    [entered] = my_entries(api, person(4))
    assert (entered["status"], entered["made_offline"]) == ("entered", True)
    # An online refusal was answered at the kiosk at once: lookup does not repeat it.
    online = api.enter(r, person(5, region="110101"))
    assert online["status"] == "refused" and my_entries(api, person(5, region="110101")) == []


def test_a_resent_offline_entry_counts_once_and_gets_the_same_answer(api: Api) -> None:
    r = api.round(mode="first_come", quotas={"sm-01/am": 5})["id"]
    item = offline_entry("K-A", 1, entry(r, person(6)), START + timedelta(minutes=1))
    first = sync(api, "K-A", item)[0]
    again = sync(api, "K-A", item)[0]
    assert first["status"] == "accepted" and again["status"] == "duplicate"
    assert len(my_entries(api, person(6))) == 1
    stock = api.kiosk().get(f"/api/v1/rounds/{r}/stock").json()
    assert stock["remaining"] == {"sm-01/am": 4}


def test_an_entry_sent_online_then_queued_after_a_timeout_stays_one_entry(api: Api) -> None:
    r = api.round()["id"]
    body = entry(r, person(7))
    online = api.kiosk("K-A").post("/api/v1/reservations", json=body).json()
    result = sync(api, "K-A", offline_entry("K-A", 1, body, START))[0]
    assert (result["status"], result["reason"]) == ("accepted", "entered")
    [seen] = my_entries(api, person(7))
    assert seen["reference"] == online["reference"] and seen["made_offline"] is False


def test_the_platform_keeps_no_document_number_in_the_stored_transaction(api: Api) -> None:
    from sqlalchemy import select

    from server.db import transactions

    r = api.round()["id"]
    sync(api, "K-A", offline_entry("K-A", 1, entry(r, person(8)), START))
    with api.platform.engine.connect() as conn:
        stored = conn.execute(select(transactions.c.payload)).scalar_one()
    assert person(8) not in str(stored) and stored["entry"]["document_number"] == "-"


# -- offline redemptions ------------------------------------------------------------------

def redemption(kiosk: str, seq: int, code: str, at: datetime) -> dict[str, Any]:
    payload = RedemptionPayload(code=code, redeemed_at=at)
    return queued(kiosk, seq, "redemption", payload.model_dump(mode="json"))


def allocated_code(api: Api, number: str, offline: bool = True) -> tuple[str, str]:
    r = api.round(mode="first_come", offline_redemption=offline)["id"]
    won = api.enter(r, number)
    assert won["status"] == "allocated", won
    return won["pickup_code"], won["reference"]


def test_an_offline_redemption_is_recorded_and_a_later_showing_is_refused(api: Api) -> None:
    code, ref = allocated_code(api, person(10))
    handed = START + timedelta(minutes=30)
    api.clock.advance(3600)
    result = sync(api, "K-A", redemption("K-A", 1, code, handed))[0]
    assert (result["status"], result["reason"]) == ("accepted", "redeemed")
    again = api.kiosk("K-B").post("/api/v1/pickups/redeem", json={"code": code}).json()
    assert (again["status"], again["reason"]) == ("refused", "already_redeemed")
    assert "kiosk:K-A offline" in again["detail"]
    [seen] = my_entries(api, person(10))
    assert seen["status"] == "collected"
    assert api.staff.get("/api/v1/staff/pickups/flags").json()["flags"] == []
    log = api.staff.get(f"/api/v1/staff/pickups/{ref}/attempts").json()["attempts"]
    assert [(a["outcome"], a["reason"]) for a in log] == [("redeemed", "offline"),
                                                          ("refused", "already_redeemed")]


def test_a_code_collected_twice_is_accepted_and_flagged_to_staff(api: Api) -> None:
    code, ref = allocated_code(api, person(11))
    online = api.kiosk("K-B").post("/api/v1/pickups/redeem", json={"code": code}).json()
    assert online["status"] == "redeemed"
    api.clock.advance(600)
    results = sync(api, "K-A", redemption("K-A", 1, code, START + timedelta(minutes=5)),
                   redemption("K-A", 2, "GKP1.not-a-code", START + timedelta(minutes=6)))
    assert [(x["status"], x["reason"]) for x in results] == [
        ("accepted", "flagged:already_redeemed"), ("accepted", "flagged:damaged")]
    flags = api.staff.get("/api/v1/staff/pickups/flags").json()["flags"]
    assert [(f["ref"], f["kiosk_id"], f["reason"]) for f in flags] == [
        ("-", "K-A", "damaged"), (ref, "K-A", "already_redeemed")]
    assert "kiosk:K-B" in flags[1]["detail"]
    log = api.staff.get(f"/api/v1/staff/pickups/{ref}/attempts").json()["attempts"]
    assert [(a["outcome"], a["by"]) for a in log] == [
        ("redeemed", "kiosk:K-B"), ("flagged", "kiosk:K-A offline")]
    assert api.kiosk("K-A").get("/api/v1/staff/pickups/flags").status_code == 403


def test_a_hand_over_the_round_does_not_allow_offline_is_kept_and_flagged(api: Api) -> None:
    code, ref = allocated_code(api, person(12), offline=False)
    result = sync(api, "K-A", redemption("K-A", 1, code, START))[0]
    assert (result["status"], result["reason"]) == ("accepted", "flagged:offline_not_allowed")
    [flag] = api.staff.get("/api/v1/staff/pickups/flags").json()["flags"]
    assert (flag["ref"], flag["reason"]) == (ref, "offline_not_allowed")
    again = api.kiosk("K-B").post("/api/v1/pickups/redeem", json={"code": code}).json()
    assert (again["status"], again["reason"]) == ("refused", "already_redeemed")


def test_a_code_the_platform_never_issued_is_flagged(api: Api) -> None:
    # signed with the platform's key, but the platform has no issue record of it
    never = api.platform.signer.issue(ref="R-0000NEVER000", item="mask-reservation",
                                      site="x", window="y",
                                      expires=api.clock.now() + timedelta(days=1))
    result = sync(api, "K-A", redemption("K-A", 1, never, START))[0]
    assert (result["status"], result["reason"]) == ("accepted", "flagged:not_issued")


def test_a_refusal_before_the_document_check_names_only_a_valid_document(api: Api) -> None:
    r = api.round(opens_at=(START + timedelta(days=1)).isoformat())["id"]
    results = sync(api, "K-A",
                   offline_entry("K-A", 1, entry(r, person(20)), START),
                   offline_entry("K-A", 2, entry(r, "350203X"), START))
    assert [x["reason"] for x in results] == ["refused:not_open"] * 2
    assert [e["reason"] for e in my_entries(api, person(20))] == ["not_open"]
    assert my_entries(api, "350203X") == []  # not a document: it names nobody
