"""The kiosk's pickup cabinet on the platform, over a real socket, on SQLite and
PostgreSQL: loading (idempotent, moved, occupied, elsewhere, collected), unloading (the
code stops working), collecting by ID card (what was collected: when and by whom), a
code waiting in one kiosk's cabinet refused everywhere else, and the cabinet's contents."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select

from contracts.pickup_codes import read_unverified
from contracts.platform_api import (
    CABINET_COLLECT_PATH,
    CABINET_CONTENTS_PATH,
    CABINET_LOADS_PATH,
    CABINET_UNLOADS_PATH,
    REDEEM_PATH,
    CabinetCollect,
    CabinetCollection,
    CabinetContents,
    CabinetLoad,
    CabinetLoadOutcome,
    CabinetUnload,
    CabinetUnloadOutcome,
    CaseView,
    Redemption,
)
from offline_cache.platform_client import PlatformClient
from server.db import case_events
from tests.support import REPO_ROOT
from tests.support.platform_api import START, Api, person, send

DAY = 86_400


def approved_case(api: Api, seq: int, number: str, kiosk: str = "K-A") -> str:
    """A case the kiosk approved at once (its reference)."""
    return str(send(api, kiosk, seq, number, outcome="approved")["reference"])


def load(api: Api, ref: str, compartment: str, kiosk: str = "K-A",
         staff: str = "") -> CabinetLoadOutcome:
    answer = api.kiosk(kiosk).post(CABINET_LOADS_PATH, json={
        "reference": ref, "compartment": compartment, "staff": staff})
    assert answer.status_code == 200, answer.text
    return CabinetLoadOutcome.model_validate(answer.json())


def unload(api: Api, ref: str, kiosk: str = "K-A",
           reason: str = "uncollected") -> CabinetUnloadOutcome:
    answer = api.kiosk(kiosk).post(CABINET_UNLOADS_PATH, json={"reference": ref,
                                                               "reason": reason})
    assert answer.status_code == 200, answer.text
    return CabinetUnloadOutcome.model_validate(answer.json())


def collect(api: Api, number: str, kiosk: str = "K-A") -> CabinetCollection:
    answer = api.kiosk(kiosk).post(CABINET_COLLECT_PATH, json={
        "document_type": "resident_id", "document_number": number})
    assert answer.status_code == 200, answer.text
    return CabinetCollection.model_validate(answer.json())


def contents(api: Api, kiosk: str = "K-A") -> list[tuple[str, str, str]]:
    answer = api.kiosk(kiosk).get(CABINET_CONTENTS_PATH)
    assert answer.status_code == 200, answer.text
    seen = CabinetContents.model_validate(answer.json())
    assert seen.as_of == api.clock.now()
    return [(s.reference, s.compartment, s.status) for s in seen.slots]


def redeem(client: httpx.Client, code: str) -> Redemption:
    answer = client.post(REDEEM_PATH, json={"code": code})
    assert answer.status_code == 200, answer.text
    return Redemption.model_validate(answer.json())


def case(api: Api, ref: str) -> CaseView:
    answer = api.staff.post("/api/v1/cases/lookup", json={"reference": ref})
    assert answer.status_code == 200, answer.text
    return CaseView.model_validate(answer.json()["cases"][0])


def timeline(api: Api, ref: str) -> list[tuple[str, str]]:
    return [(e.status, e.reason) for e in case(api, ref).timeline]


def attempts(api: Api, ref: str) -> list[tuple[str, str, str]]:
    answer = api.staff.get(f"/api/v1/staff/pickups/{ref}/attempts")
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["attempts"]
    return [(a["by"], a["outcome"], a["reason"]) for a in found]


# -- load -----------------------------------------------------------------------------------

def test_a_load_makes_the_case_ready_in_this_cabinet_and_a_resend_answers_the_same(
        api: Api) -> None:
    ref = approved_case(api, 1, person(1))
    api.clock.advance(60)
    first = load(api, ref, "A1", staff="li")
    assert (first.status, first.compartment, first.case_status) == ("ready", "A1",
                                                                     "ready_for_pickup")
    assert first.expires_at == api.clock.now() + timedelta(days=14)
    view = case(api, ref)
    claims = read_unverified(view.pickup_code)
    assert claims is not None and (claims.ref, claims.site, claims.window) == (
        ref, "自助取件柜 K-A", "24 小时")
    api.clock.advance(60)
    assert load(api, ref, "A1", staff="li") == first  # a lost answer, asked again
    assert timeline(api, ref) == [("received", ""), ("approved", ""),
                                  ("ready_for_pickup", "in_cabinet")]
    assert case(api, ref).pickup_code == view.pickup_code
    assert contents(api) == [(ref, "A1", "ready")]
    with api.platform.engine.connect() as conn:
        by = conn.execute(select(case_events.c.by).where(case_events.c.reference == ref)
                          .order_by(case_events.c.pk)).scalars().all()
    assert by[-1] == "kiosk:K-A staff:li"


def test_a_load_into_another_compartment_moves_the_goods_and_keeps_the_code(api: Api) -> None:
    ref = approved_case(api, 1, person(1))
    code = (load(api, ref, "A1"), case(api, ref).pickup_code)[1]
    moved = load(api, ref, "B2")
    assert (moved.status, moved.compartment) == ("ready", "B2")
    assert timeline(api, ref)[-1] == ("ready_for_pickup", "moved_in_cabinet")
    assert case(api, ref).pickup_code == code
    assert contents(api) == [(ref, "B2", "ready")]
    other = approved_case(api, 2, person(2))
    assert load(api, other, "A1").status == "ready"  # A1 was left free


def test_a_compartment_holds_one_waiting_case(api: Api) -> None:
    first, second = approved_case(api, 1, person(1)), approved_case(api, 2, person(2))
    load(api, first, "A1")
    refused = load(api, second, "A1")
    assert (refused.status, refused.reason) == ("refused", "occupied")
    assert first in refused.detail
    assert case(api, second).status == "approved"  # nothing changed
    assert load(api, second, "A1", kiosk="K-B").status == "ready"  # another cabinet's A1
    redeem(api.kiosk("K-A"), case(api, first).pickup_code)
    third = approved_case(api, 3, person(3))
    assert load(api, third, "A1").status == "ready"  # free again once collected


def test_two_loads_into_one_compartment_at_once_fill_it_once(api: Api) -> None:
    refs = [approved_case(api, seq, person(seq)) for seq in range(1, 5)]
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda ref: load(api, ref, "C3"), refs))
    assert sorted(o.status for o in outcomes) == ["ready", "refused", "refused", "refused"]
    assert {o.reason for o in outcomes if o.status == "refused"} == {"occupied"}
    assert [status for _, _, status in contents(api)] == ["ready"]


def test_a_case_ready_elsewhere_collected_or_not_approved_is_refused(api: Api) -> None:
    at_counter = approved_case(api, 1, person(1))
    moved = api.staff.post(f"/api/v1/staff/cases/{at_counter}/status",
                           json={"status": "ready_for_pickup"})
    assert moved.status_code == 200, moved.text
    counter = load(api, at_counter, "A1")
    assert (counter.reason, counter.case_status) == ("elsewhere", "ready_for_pickup")
    assert "counter" in counter.detail

    in_b = approved_case(api, 2, person(2))
    load(api, in_b, "A1", kiosk="K-B")  # any kiosk may load any kiosk's case
    elsewhere = load(api, in_b, "A2")
    assert elsewhere.reason == "elsewhere" and "K-B" in elsewhere.detail

    redeem(api.kiosk("K-B"), case(api, in_b).pickup_code)
    assert load(api, in_b, "A2", kiosk="K-B").reason == "collected"

    waiting = str(send(api, "K-A", 3, person(3))["reference"])  # review: received
    review = load(api, waiting, "A3")
    assert (review.status, review.reason, review.case_status) == ("refused", "not_approved",
                                                                 "received")
    assert load(api, "NO-SUCH-1", "A3").reason == "no_case"
    assert contents(api) == []


# -- unload ---------------------------------------------------------------------------------

def test_an_unloaded_case_is_approved_again_and_its_code_stops_working(api: Api) -> None:
    ref = approved_case(api, 1, person(1))
    load(api, ref, "A1")
    code = case(api, ref).pickup_code
    assert unload(api, ref, kiosk="K-B").reason == "not_in_this_cabinet"
    api.clock.advance(3 * DAY)
    assert unload(api, ref).status == "withdrawn"
    assert unload(api, ref).status == "withdrawn"  # a lost answer, asked again
    view = case(api, ref)
    assert (view.status, view.pickup_code) == ("approved", "")
    assert timeline(api, ref)[-1] == ("approved", "withdrawn_from_cabinet:uncollected")
    refused = redeem(api.kiosk("K-A"), code)
    assert (refused.status, refused.reason) == ("refused", "withdrawn")
    assert collect(api, person(1)).redemptions == []
    assert contents(api) == []

    reloaded = load(api, ref, "B1")
    assert reloaded.status == "ready"
    fresh = case(api, ref).pickup_code
    assert fresh != code
    assert redeem(api.kiosk("K-A"), code).reason == "not_issued"  # replaced
    assert redeem(api.kiosk("K-A"), fresh).status == "redeemed"
    assert unload(api, ref).reason == "collected"
    assert [(by, outcome) for by, outcome, _ in attempts(api, ref)] == [
        ("kiosk:K-A", "refused"), ("kiosk:K-A", "refused"), ("kiosk:K-A", "redeemed")]


def test_an_unload_of_a_case_not_in_a_cabinet_is_refused(api: Api) -> None:
    ref = approved_case(api, 1, person(1))
    assert unload(api, ref).reason == "not_in_this_cabinet"
    assert unload(api, "NO-SUCH-1").reason == "no_case"
    assert case(api, ref).status == "approved"


# -- collect with the ID card ---------------------------------------------------------------

def test_the_card_collects_what_waits_here_and_says_what_was_collected(api: Api) -> None:
    number = person(1)
    earlier, waiting = approved_case(api, 1, number), approved_case(api, 2, number)
    in_b = approved_case(api, 3, number)
    someone_else = approved_case(api, 4, person(2))
    load(api, earlier, "A1")
    load(api, waiting, "A2")
    load(api, in_b, "A1", kiosk="K-B")
    load(api, someone_else, "A3")
    api.clock.advance(3600)
    collected_at = api.clock.now()
    redeem(api.kiosk("K-A"), case(api, earlier).pickup_code)
    api.clock.advance(3600)

    answer = collect(api, number)
    by_ref = {r.ref: r for r in answer.redemptions}
    assert set(by_ref) == {earlier, waiting}
    assert (by_ref[waiting].status, by_ref[waiting].redeemed_by) == ("redeemed", "kiosk:K-A")
    assert by_ref[waiting].site == "自助取件柜 K-A"
    gone = by_ref[earlier]
    assert (gone.status, gone.reason) == ("refused", "already_redeemed")
    assert (gone.redeemed_at, gone.redeemed_by) == (collected_at, "kiosk:K-A")
    assert answer.compartments == {waiting: "A2"}  # only the door to open
    assert timeline(api, waiting)[-1] == ("collected", "from_cabinet")
    assert attempts(api, waiting) == [("kiosk:K-A", "redeemed", "id_card")]

    again = collect(api, number)
    assert {(r.ref, r.reason) for r in again.redemptions} == {
        (earlier, "already_redeemed"), (waiting, "already_redeemed")}
    assert again.compartments == {}
    api.clock.advance(31 * DAY)
    assert collect(api, number).redemptions == []  # collected long ago: not shown
    assert case(api, in_b).status == "ready_for_pickup"  # K-B's waits for K-B


def test_a_collect_and_a_code_at_once_hand_the_goods_over_once(api: Api) -> None:
    for seq in range(1, 6):
        number = person(seq)
        ref = approved_case(api, seq, number)
        load(api, ref, f"D{seq}")
        code = case(api, ref).pickup_code
        with ThreadPoolExecutor(2) as pool:
            by_card = pool.submit(collect, api, number)
            by_code = pool.submit(redeem, api.kiosk("K-A"), code)
            card, shown = by_card.result(), by_code.result()
        redeemed = [r for r in [*card.redemptions, shown] if r.status == "redeemed"]
        assert len(redeemed) == 1, (card, shown)
        assert [r.reason for r in [*card.redemptions, shown] if r.status == "refused"] == [
            "already_redeemed"]
        assert [o for _, o, _ in attempts(api, ref)].count("redeemed") == 1
        assert [s for s, _ in timeline(api, ref)].count("collected") == 1


def test_goods_left_past_their_codes_expiry_are_not_handed_over(api: Api) -> None:
    ref = approved_case(api, 1, person(1))
    load(api, ref, "A1")
    api.clock.advance(15 * DAY)
    late = collect(api, person(1))
    assert [(r.ref, r.status, r.reason) for r in late.redemptions] == [
        (ref, "refused", "expired")]
    assert late.compartments == {}
    assert redeem(api.kiosk("K-A"), case(api, ref).pickup_code).reason == "expired"
    assert contents(api) == [(ref, "A1", "ready")]  # still in there: staff take it out
    assert unload(api, ref).status == "withdrawn"


# -- a cabinet's code at any other place ----------------------------------------------------

def test_a_code_waiting_in_one_cabinet_is_refused_everywhere_else(api: Api) -> None:
    ref = approved_case(api, 1, person(1))
    load(api, ref, "A1")
    code = case(api, ref).pickup_code
    for client in (api.kiosk("K-B"), api.staff):
        refused = redeem(client, code)
        assert (refused.status, refused.reason) == ("refused", "elsewhere")
        assert "K-A" in refused.detail and refused.site == "自助取件柜 K-A"
    assert case(api, ref).status == "ready_for_pickup"  # nothing was taken
    assert collect(api, person(1), kiosk="K-B").redemptions == []
    assert redeem(api.kiosk("K-A"), code).status == "redeemed"
    late = redeem(api.kiosk("K-B"), code)
    assert (late.reason, late.redeemed_by) == ("already_redeemed", "kiosk:K-A")
    assert [(by, reason) for by, _, reason in attempts(api, ref)] == [
        ("kiosk:K-B", "elsewhere"), ("staff:wang", "elsewhere"), ("kiosk:K-A", ""),
        ("kiosk:K-B", "already_redeemed")]


# -- contents -------------------------------------------------------------------------------

def test_contents_are_what_waits_and_what_was_collected_within_30_days(api: Api) -> None:
    waiting, taken = approved_case(api, 1, person(1)), approved_case(api, 2, person(2))
    withdrawn = approved_case(api, 3, person(3))
    theirs = approved_case(api, 4, person(4))
    for ref, compartment in ((waiting, "A1"), (taken, "A2"), (withdrawn, "A3")):
        load(api, ref, compartment)
    load(api, theirs, "A1", kiosk="K-B")
    unload(api, withdrawn, reason="damaged")
    redeem(api.kiosk("K-A"), case(api, taken).pickup_code)
    assert contents(api) == [(waiting, "A1", "ready"), (taken, "A2", "collected")]
    answer = CabinetContents.model_validate(api.kiosk().get(CABINET_CONTENTS_PATH).json())
    collected = answer.slots[1]
    assert (collected.collected_at, collected.collected_by) == (api.clock.now(), "kiosk:K-A")
    assert answer.slots[0].loaded_at == START
    assert contents(api, "K-B") == [(theirs, "A1", "ready")]
    api.clock.advance(31 * DAY)
    assert contents(api) == [(waiting, "A1", "ready")]


def test_only_a_kiosk_reaches_its_cabinet(api: Api) -> None:
    for client in (api.staff, api.admin):
        assert client.get(CABINET_CONTENTS_PATH).status_code == 403
        assert client.post(CABINET_LOADS_PATH, json={"reference": "X", "compartment": "A1"}
                           ).status_code == 403
    bad = api.kiosk().post(CABINET_LOADS_PATH, json={"reference": "X", "compartment": "A 1"})
    assert bad.status_code == 422


def test_the_kiosks_client_speaks_to_the_cabinet_endpoints(api: Api) -> None:
    client = PlatformClient(api.kiosk("K-A"))
    ref = approved_case(api, 1, person(1))
    loaded = client.load_into_cabinet(CabinetLoad(reference=ref, compartment="E5", staff="li"))
    assert (loaded.status, loaded.compartment) == ("ready", "E5")
    assert [(s.reference, s.status) for s in client.cabinet_contents().slots] == [
        (ref, "ready")]
    collected = client.collect_from_cabinet(CabinetCollect(document_number=person(1)))
    assert collected.compartments == {ref: "E5"}
    refused = client.unload_from_cabinet(CabinetUnload(reference=ref, reason="mistake"))
    assert (refused.status, refused.reason) == ("refused", "collected")


def test_the_cases_command_says_which_cabinet_compartment_holds_a_case(
        served: tuple[Api, str]) -> None:
    api, db = served
    waiting, other = approved_case(api, 1, person(1)), approved_case(api, 2, person(2))
    load(api, waiting, "A7")
    text = subprocess.run([sys.executable, "-m", "server", "cases", "--db", db],
                          cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
    lines = {line.split()[0]: line for line in text.splitlines()}
    assert lines[waiting].endswith("  cabinet K-A/A7")
    assert "cabinet" not in lines[other]
