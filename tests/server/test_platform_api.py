"""The platform over a real socket, on SQLite and on PostgreSQL: credentials and roles,
case timelines, ratings, reservations rule by rule, draws, pickup codes."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx

from server.demo_rounds import DEMO_ROUNDS
from server.fleet import FLEET_PAGE_PATH
from tests.support import REPO_ROOT
from tests.support.platform_access import bearer
from tests.support.platform_api import ELSEWHERE, START, Api, person, send

# -- credentials and roles ----------------------------------------------------------------

def test_every_route_refuses_a_caller_without_a_credential(api: Api) -> None:
    schema = httpx.get(f"{api.platform.url}/openapi.json").json()
    checked = 0
    for path, methods in schema["paths"].items():
        concrete = path.replace("{", "").replace("}", "")
        for method in methods:
            answer = httpx.request(method, f"{api.platform.url}{concrete}", json={})
            assert answer.status_code == 401, (method, path, answer.status_code)
            # The fleet page is opened in a plain browser: it asks with HTTP Basic.
            asks = 'Basic realm="fleet"' if path == FLEET_PAGE_PATH else "Bearer"
            assert answer.headers["www-authenticate"].startswith(asks), path
            checked += 1
    assert checked >= 17


def test_roles_reach_only_their_own_endpoints(api: Api) -> None:
    kiosk, staff, admin = api.kiosk(), api.staff, api.admin
    assert kiosk.get("/api/v1/health").json()["caller"] == "kiosk:K-A"
    assert staff.post("/api/v1/transactions/batch", json={"transactions": []}).status_code == 403
    assert staff.post("/api/v1/reservations", json={}).status_code == 403
    assert kiosk.post("/api/v1/staff/cases/X/status", json={"status": "approved"}
                      ).status_code == 403
    assert kiosk.post("/api/v1/admin/rounds", json={}).status_code == 403
    assert staff.post("/api/v1/admin/credentials", json={"role": "kiosk", "id": "K-Z"}
                      ).status_code == 403
    assert admin.post("/api/v1/staff/cases/X/status", json={"status": "approved"}
                      ).status_code == 404  # admins may do what staff do


def test_an_admin_enrols_and_revokes_kiosks(api: Api) -> None:
    made = api.admin.post("/api/v1/admin/credentials", json={"role": "kiosk", "id": "K-NEW"})
    token = made.json()["token"]
    assert token.startswith("gk.kiosk.K-NEW.")
    url = f"{api.platform.url}/api/v1/health"
    assert httpx.get(url, headers=bearer(token)).json()["caller"] == "kiosk:K-NEW"
    assert httpx.get(url, headers=bearer(token[:-2] + "xx")).status_code == 401
    assert api.admin.delete("/api/v1/admin/credentials/kiosk/K-NEW").json() == {"revoked": True}
    assert httpx.get(url, headers=bearer(token)).status_code == 401
    bad = api.admin.post("/api/v1/admin/credentials", json={"role": "kiosk", "id": "no spaces"})
    # The schema itself carries the id's pattern, so the fuzzer's valid ids are valid.
    assert bad.status_code == 422
    assert [(e["loc"], e["type"]) for e in bad.json()["detail"]] == [
        (["body", "id"], "string_pattern_mismatch")]


def test_a_malformed_request_is_named_without_echoing_what_was_sent(api: Api) -> None:
    number = person(9)
    answer = api.kiosk().post("/api/v1/reservations", content=(
        '{"id": "not-a-uuid", "round_id": "\\ud837x", "document_type": "resident_id",'
        f' "document_number": "{number}", "slot": "sm-01/am", "birth_date": 0}}').encode(),
        headers={"Content-Type": "application/json"})
    assert answer.status_code == 422
    assert {tuple(e["loc"]) for e in answer.json()["detail"]} == {
        ("body", "id"), ("body", "round_id"), ("body", "birth_date")}
    assert number not in answer.text


# -- cases, timelines, ratings, pickup of a case --------------------------------------------

def timeline(case: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["status"], e["reason"]) for e in case["timeline"]]


def lookup(client: httpx.Client, **query: Any) -> list[dict[str, Any]]:
    answer = client.post("/api/v1/cases/lookup", json=query)
    assert answer.status_code == 200, answer.text
    cases: list[dict[str, Any]] = answer.json()["cases"]
    return cases


def test_a_case_moves_from_received_to_collected(api: Api) -> None:
    number = person(1)
    tx = send(api, "K-A", 1, number)
    ref = tx["reference"]
    assert timeline(lookup(api.kiosk("K-A"), reference=ref)[0]) == [("received", "")]

    def move(status: str, **extra: str) -> httpx.Response:
        api.clock.advance(3600)
        return api.staff.post(f"/api/v1/staff/cases/{ref}/status",
                              json={"status": status, **extra})

    assert move("reviewing").status_code == 200
    early = move("ready_for_pickup")
    assert early.status_code == 409
    assert early.json()["detail"] == "a reviewing case can move to approved, refused," \
                                     " not ready_for_pickup"
    assert move("approved").status_code == 200
    ready = move("ready_for_pickup", site="思明区政务服务中心 3 号窗口",
                 window="工作日 9:00-17:00").json()
    assert ready["status"] == "ready_for_pickup" and ready["pickup_code"].startswith("GKP1.")

    first = api.kiosk("K-B").post("/api/v1/pickups/redeem", json={"code": ready["pickup_code"]})
    assert first.json()["status"] == "redeemed"
    assert first.json()["site"] == "思明区政务服务中心 3 号窗口"
    case = lookup(api.kiosk("K-A"), reference=ref)[0]
    assert [s for s, _ in timeline(case)] == ["received", "reviewing", "approved",
                                              "ready_for_pickup", "collected"]
    stamps = [e["at"] for e in case["timeline"]]
    assert stamps == sorted(stamps) and case["pickup_code"] == ""
    assert move("approved").json()["detail"].startswith("a collected case can move to nothing")


def test_a_refusal_needs_a_reason_and_shows_it(api: Api) -> None:
    ref = send(api, "K-A", 1, person(2))["reference"]
    url = f"/api/v1/staff/cases/{ref}/status"
    assert api.staff.post(url, json={"status": "refused"}).status_code == 409
    why = "婚姻登记档案中未查到记录，请到民政局核实"
    api.staff.post(url, json={"status": "refused", "reason": why})
    case = lookup(api.kiosk("K-A"), reference=ref)[0]
    assert timeline(case)[-1] == ("refused", why)
    assert api.staff.post("/api/v1/staff/cases/NOPE/status",
                          json={"status": "approved"}).status_code == 404


def test_the_kiosks_instant_decision_is_on_the_timeline(api: Api) -> None:
    ok = send(api, "K-A", 1, person(3), "approved")
    no = send(api, "K-A", 2, person(4), "refused", "未满 18 周岁")
    assert timeline(lookup(api.kiosk("K-A"), reference=ok["reference"])[0]) == [
        ("received", ""), ("approved", "")]
    assert timeline(lookup(api.kiosk("K-A"), reference=no["reference"])[0])[-1] == (
        "refused", "未满 18 周岁")
    # A typed identity arrives received, flagged for the counter; nothing is decided.
    typed = send(api, "K-A", 3, person(6), "verify_at_counter")
    assert timeline(lookup(api.kiosk("K-A"), reference=typed["reference"])[0]) == [
        ("received", "verify_identity_at_counter")]


def test_a_kiosk_reads_only_its_own_cases_unless_the_citizen_shows_their_card(api: Api) -> None:
    number = person(5)
    ref = send(api, "K-A", 1, number)["reference"]
    assert lookup(api.kiosk("K-B"), reference=ref) == []  # another kiosk's case: not found
    with_card = lookup(api.kiosk("K-B"), document={"document_number": number})
    assert [c["reference"] for c in with_card] == [ref]
    assert lookup(api.kiosk("K-B"), reference=ref,
                  document={"document_number": person(6)}) == []
    assert [c["reference"] for c in lookup(api.staff, reference=ref)] == [ref]
    assert lookup(api.kiosk("K-B")) == []  # no criteria: this kiosk's own latest cases
    assert [c["reference"] for c in lookup(api.kiosk("K-A"))] == [ref]


def test_one_rating_per_case_and_the_timeline_says_rated(api: Api) -> None:
    tx = send(api, "K-A", 1, person(7), "approved")

    def rate(seq: int, score: int, reason: str = "") -> dict[str, Any]:
        rating = {"id": str(uuid.uuid4()), "kiosk_id": "K-A", "seq": seq, "kind": "rating",
                  "item_id": tx["item_id"], "reference": f"K-A-{seq:06d}",
                  "created_at": START.isoformat(),
                  "payload": {"case": tx["id"], "score": score, "reason": reason}}
        answer = api.kiosk("K-A").post("/api/v1/transactions/batch",
                                       json={"transactions": [rating]})
        result: dict[str, Any] = answer.json()["results"][0]
        return result

    assert rate(2, 1, "slow")["status"] == "accepted"
    second = rate(3, 5)
    assert second["status"] == "refused" and "one rating per case" in second["reason"]
    assert lookup(api.kiosk("K-A"), reference=tx["reference"])[0]["rated"] is True


# -- reservations: every rule --------------------------------------------------------------

def test_each_rule_refuses_with_its_own_reason(api: Api) -> None:
    r = api.round(document_types=["resident_id", "passport"])["id"]
    later = api.round(opens_at=(START + timedelta(days=1)).isoformat())["id"]
    over = api.round(opens_at=(START - timedelta(days=2)).isoformat(),
                     closes_at=(START - timedelta(days=1)).isoformat())["id"]
    cases = {
        "unknown_round": api.enter("R-none", person(10)),
        "not_open": api.enter(later, person(10)),
        "closed": api.enter(over, person(10)),
        "document_type": api.enter(r, person(10, region="810000"),
                                   document_type="hmt_residence_permit"),
        "document_number": api.enter(r, person(10)[:-1] + "0"),
        "health_report_missing": api.enter(r, person(10), health=None),
        "health_declared": api.enter(r, person(10), health="fever_or_cough"),
        "not_eligible": api.enter(r, person(10, region=ELSEWHERE)),
        "slot": api.enter(r, person(10), slot="sm-01/night"),
    }
    for reason, outcome in cases.items():
        assert (outcome["status"], outcome["reason"]) == ("refused", reason), outcome
        assert outcome["detail"]
    assert "checksum" in cases["document_number"]["detail"]
    assert cases["not_eligible"]["detail"] == ("open to local household registration (ID numbers"
                                               " starting 3502) or local social security")
    # None of them made an entry: the same person can still enter properly.
    assert api.enter(r, person(10))["status"] == "entered"


def test_local_social_security_qualifies_without_local_registration(api: Api) -> None:
    r = api.round(document_types=["resident_id", "passport"])["id"]
    outsider, passport = person(11, region=ELSEWHERE), "E12345678"
    assert api.enter(r, outsider)["reason"] == "not_eligible"
    added = api.admin.post("/api/v1/admin/insured", json={
        "document_numbers": [outsider], "since": "2019-01-01"}).json()
    assert added == {"added": 1}
    assert api.admin.post("/api/v1/admin/insured", json={
        "document_numbers": [outsider], "since": "2019-01-01"}).json() == {"added": 0}
    assert api.enter(r, outsider)["status"] == "entered"
    assert api.enter(r, passport, document_type="passport")["reason"] == "not_eligible"
    api.admin.post("/api/v1/admin/insured", json={
        "document_type": "passport", "document_numbers": [passport], "since": "2020-01-01"})
    assert api.enter(r, passport, document_type="passport",
                     birth_date="1990-05-01")["status"] == "entered"


def test_one_entry_per_person_and_an_edit_replaces_it(api: Api) -> None:
    r = api.round()["id"]
    first = api.enter(r, person(12))
    assert first["status"] == "entered" and len(first["pseudonym"]) == 64
    again = api.enter(r, person(12), kiosk="K-B")  # the same person at another kiosk
    assert (again["status"], again["reason"]) == ("refused", "already_entered")
    assert again["detail"].startswith("do not submit twice")
    edit = api.enter(r, person(12), slot="sm-01/pm")
    assert (edit["status"], edit["reference"]) == ("updated", first["reference"])
    mine = api.kiosk().post("/api/v1/reservations/lookup",
                            json={"document": {"document_number": person(12)}}).json()
    assert [(e["reference"], e["choices"]) for e in mine["entries"]] == [
        (first["reference"], ["sm-01/pm"])]


def test_a_retried_request_gets_the_first_answer_and_changes_nothing(api: Api) -> None:
    r = api.round()["id"]
    body = {"id": str(uuid.uuid4()), "round_id": r, "document_type": "resident_id",
            "document_number": person(13), "slot": "sm-01/am", "health": "well"}
    first = api.kiosk().post("/api/v1/reservations", json=body).json()
    retry = api.kiosk().post("/api/v1/reservations", json=body).json()
    assert retry == {**first, "replayed": True}


def test_people_65_and_over_stay_entered_and_others_expire(api: Api) -> None:
    r = api.round(entry_validity_days=10)["id"]
    old = api.enter(r, person(14, born="19580101"))  # 68
    young = api.enter(r, person(15, born="19900101"))
    assert old["valid_until"] is None
    assert young["valid_until"].startswith("2026-12-03")
    api.clock.advance(11 * 86400)
    committed = api.admin.post(f"/api/v1/admin/rounds/{r}/draws",
                               json={"chain": "test"}).json()["record"]
    assert [e["pseudonym"] for e in committed["entrants"]] == [old["pseudonym"]]
    # The expired entrant may enter again; a fresh entry replaces the old one.
    again = api.enter(r, person(15, born="19900101"))
    assert again["status"] == "entered" and again["reference"] != young["reference"]


def test_accept_either_type_is_an_opt_in(api: Api) -> None:
    r = api.round(product_types=["kn95", "surgical"],
                  quotas={"sm-01/am/kn95": 1, "sm-01/am/surgical": 1})["id"]
    a = api.enter(r, person(16), product_type="kn95")
    b = api.enter(r, person(17), product_type="kn95", accept_either=True)
    assert api.enter(r, person(18), product_type="n99")["reason"] == "slot"
    mine = api.kiosk().post("/api/v1/reservations/lookup",
                            json={"document": {"document_number": person(17)}}).json()
    assert mine["entries"][0]["choices"] == ["sm-01/am/kn95", "sm-01/am/surgical"]
    committed = api.admin.post(f"/api/v1/admin/rounds/{r}/draws",
                               json={"chain": "test"}).json()
    api.clock.advance(90)  # the beacon round named comes out
    drawn = api.admin.post(f"/api/v1/admin/rounds/{r}/draws/{committed['number']}/beacon",
                           json={}).json()["record"]
    winners = {w["pseudonym"]: w["slot"] for w in drawn["winners"]}
    # b always wins: the kn95 place if drawn before a, else the surgical one nobody
    # else would take. a wins only when drawn before b.
    assert winners[b["pseudonym"]] == ("sm-01/am/surgical" if a["pseudonym"] in winners
                                       else "sm-01/am/kn95")


def test_winners_are_locked_out_of_later_rounds(api: Api) -> None:
    first = api.round(mode="first_come", lockout_days=10)["id"]
    won = api.enter(first, person(19))
    assert won["status"] == "allocated"
    assert api.enter(first, person(19))["reason"] == "already_allocated"
    second = api.round()["id"]
    locked = api.enter(second, person(19))
    assert (locked["status"], locked["reason"]) == ("refused", "locked_out")
    assert locked["detail"].endswith("open again from 2026-12-03")
    api.clock.advance(10 * 86400 + 1)
    assert api.enter(second, person(19))["status"] == "entered"


# -- first come: never oversold ------------------------------------------------------------

def test_first_come_never_oversells_under_concurrency(api: Api) -> None:
    r = api.round(mode="first_come", quotas={"sm-01/am": 5, "sm-01/pm": 3})["id"]
    people = [person(100 + n) for n in range(40)] * 2  # each person tries twice
    slots = ["sm-01/am", "sm-01/pm"]
    with ThreadPoolExecutor(16) as pool:
        outcomes = list(pool.map(
            lambda n: api.enter(r, people[n], kiosk=f"K-{n % 4}", slot=slots[n % 2]),
            range(len(people))))
    allocated = [o for o in outcomes if o["status"] == "allocated"]
    assert len(allocated) == 8
    assert len({o["pseudonym"] for o in allocated}) == 8
    assert sorted(o["slot"] for o in allocated) == ["sm-01/am"] * 5 + ["sm-01/pm"] * 3
    assert {o["reason"] for o in outcomes if o["status"] == "refused"} <= {
        "sold_out", "already_allocated"}


# -- the whole lottery: configure, fill from several kiosks, draw, verify, collect ----------

def test_a_lottery_round_from_entry_to_collection(api: Api, tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    r = api.round(quotas={"sm-01/am": 3, "sm-01/pm": 2, "hl-01/am": 2})["id"]
    slots = ["sm-01/am", "sm-01/pm", "hl-01/am"]
    with ThreadPoolExecutor(8) as pool:
        entered = list(pool.map(
            lambda n: api.enter(r, person(200 + n), kiosk=f"K-{n % 3}", slot=slots[n % 3]),
            range(30)))
    assert {e["status"] for e in entered} == {"entered"}
    committed = api.admin.post(f"/api/v1/admin/rounds/{r}/draws",
                               json={"chain": "test"})
    assert committed.status_code == 201
    number = committed.json()["number"]
    busy = api.admin.post(f"/api/v1/admin/rounds/{r}/draws", json={"chain": "test"})
    assert busy.status_code == 409 and "waits for its beacon" in busy.json()["detail"]
    # An entry after the cut-off waits for the next draw.
    late = api.enter(r, person(299))
    api.clock.advance(90)  # the beacon round named comes out
    drawn = api.admin.post(f"/api/v1/admin/rounds/{r}/draws/{number}/beacon", json={})
    assert drawn.status_code == 200
    again = api.admin.post(f"/api/v1/admin/rounds/{r}/draws/{number}/beacon", json={})
    assert again.status_code == 409

    published = api.kiosk().get(f"/api/v1/rounds/{r}/draws/{number}").json()
    record = published["record"]
    assert len(record["entrants"]) == 30 and len(record["winners"]) == 7
    assert late["pseudonym"] not in {e["pseudonym"] for e in record["entrants"]}
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(published), encoding="utf-8")
    check = subprocess.run([sys.executable, "-m", "server", "verify-draw", str(path),
                            "--allow-test-chain"],
                           cwd=REPO_ROOT, capture_output=True,
                           text=True, timeout=60)
    assert check.returncode == 0 and check.stdout.startswith("MATCH"), check.stdout

    winners = {w["pseudonym"] for w in record["winners"]}
    codes = []
    for n in range(30):
        # At the kiosk that took the entry: another kiosk gets no code (test_access.py).
        entries = api.kiosk(f"K-{n % 3}").post("/api/v1/reservations/lookup", json={
            "document": {"document_number": person(200 + n)}}).json()["entries"]
        status = entries[0]["status"]
        assert status == ("won" if entered[n]["pseudonym"] in winners else "entered")
        if status == "won":
            codes.append(entries[0]["pickup_code"])
    assert len(codes) == 7
    for code in codes:
        first = api.kiosk("K-1").post("/api/v1/pickups/redeem", json={"code": code}).json()
        assert first["status"] == "redeemed" and first["item"] == "mask-reservation"
        second = api.kiosk("K-2").post("/api/v1/pickups/redeem", json={"code": code}).json()
        assert (second["status"], second["reason"]) == ("refused", "already_redeemed")
        assert "kiosk:K-1" in second["detail"]
    log = api.staff.get(f"/api/v1/staff/pickups/{first['ref']}/attempts").json()["attempts"]
    assert [(a["outcome"], a["by"]) for a in log] == [("redeemed", "kiosk:K-1"),
                                                      ("refused", "kiosk:K-2")]
    # Losers roll into the next draw.
    nxt = api.admin.post(f"/api/v1/admin/rounds/{r}/draws", json={"chain": "test"}).json()
    assert len(nxt["record"]["entrants"]) == 30 - 7 + 1


def test_codes_the_platform_did_not_issue_are_refused(api: Api) -> None:
    codes = api.platform.demo_pickup_codes(api.clock.now())
    for kind in ("altered", "forged", "expired"):
        answer = api.kiosk().post("/api/v1/pickups/redeem", json={"code": codes[kind]}).json()
        assert (answer["status"], answer["reason"]) == ("refused", kind)
    # The demo's genuine code was issued (recorded): it redeems once.
    genuine = api.kiosk().post("/api/v1/pickups/redeem", json={"code": codes["genuine"]}).json()
    assert genuine["status"] == "redeemed"
    again = api.kiosk().post("/api/v1/pickups/redeem", json={"code": codes["genuine"]}).json()
    assert again["reason"] == "already_redeemed"
    never = api.platform.signer.issue(ref="R-0000NEVER000", item="mask-reservation",
                                      site="x", window="y",
                                      expires=api.clock.now() + timedelta(days=1))
    unissued = api.kiosk().post("/api/v1/pickups/redeem", json={"code": never}).json()
    assert unissued["reason"] == "not_issued"  # signed with our key, but never handed out
    junk = api.kiosk().post("/api/v1/pickups/redeem", json={"code": "hello"}).json()
    assert junk["reason"] == "damaged"


def test_draw_requests_out_of_turn_are_refused(api: Api) -> None:
    first_come = api.round(mode="first_come")["id"]
    answer = api.admin.post(f"/api/v1/admin/rounds/{first_come}/draws", json={"chain": "test"})
    assert answer.status_code == 409 and "first come" in answer.json()["detail"]
    assert api.admin.post("/api/v1/admin/rounds/none/draws",
                          json={"chain": "test"}).status_code == 404
    assert api.admin.post("/api/v1/admin/rounds/none/draws/1/beacon",
                          json={}).status_code == 404
    assert api.kiosk().get("/api/v1/rounds/none/draws/1").status_code == 404
    same = api.round()
    assert api.admin.post("/api/v1/admin/rounds", json=same).status_code == 409
    listed = api.kiosk().get("/api/v1/rounds").json()["rounds"]
    # with the embedded platform's two demo rounds (server.demo_rounds)
    assert {r["id"] for r in listed} == {first_come, same["id"], *DEMO_ROUNDS}


def test_times_come_back_right_whatever_zone_the_server_clock_uses(api: Api) -> None:
    """A server whose clock speaks Beijing time: SQLite must not read it back 8 h off."""
    api.clock._now = START.astimezone(timezone(timedelta(hours=8)))  # same instant
    ref = send(api, "K-A", 1, person(30))["reference"]
    at = lookup(api.kiosk("K-A"), reference=ref)[0]["timeline"][0]["at"]
    assert datetime.fromisoformat(at.replace("Z", "+00:00")) == START
