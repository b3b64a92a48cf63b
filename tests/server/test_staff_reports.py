"""What staff and the administration read, and what a kiosk shows before an entry, on
SQLite and PostgreSQL: first-come stock, the 好差评 report, the case list with its
paging, the published transaction schema, the demo rounds and the commands."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from contracts.clock import FakeClock
from contracts.platform_api import (
    RATINGS_REPORT_PATH,
    STAFF_CASES_PATH,
    CasePage,
    RatingReport,
    RoundConfig,
    RoundStock,
    stock_path,
)
from contracts.wire import BAD_REVIEW_REASONS
from server.demo_rounds import FIRST_COME, LOTTERY, SOLD_OUT_SLOT
from server.embedded import EmbeddedPlatform
from tests.support import REPO_ROOT
from tests.support.platform_api import START, Api, person, send


def at(moment: Any) -> str:
    return str(moment.isoformat())


# -- first-come stock ---------------------------------------------------------------------

def test_stock_counts_down_as_places_are_taken(api: Api) -> None:
    r = api.round(mode="first_come", quotas={"sm-01/am": 2, "sm-01/pm": 1})["id"]
    api.enter(r, person(1))
    stock = RoundStock.model_validate(api.kiosk().get(stock_path(r)).json())
    assert stock.remaining == {"sm-01/am": 1, "sm-01/pm": 1}
    assert stock.as_of == START
    api.enter(r, person(2))
    assert api.staff.get(stock_path(r)).json()["remaining"]["sm-01/am"] == 0


def test_a_lottery_round_answers_its_places_per_draw(api: Api) -> None:
    r = api.round(quotas={"sm-01/am": 2, "sm-01/pm": 1})["id"]
    api.enter(r, person(3))
    assert api.kiosk().get(stock_path(r)).json()["remaining"] == {"sm-01/am": 2, "sm-01/pm": 1}
    assert api.kiosk().get(stock_path("nope")).status_code == 404


# -- the 好差评 report ----------------------------------------------------------------------

def rate(api: Api, kiosk: str, seq: int, case: dict[str, Any], score: int,
         reason: str = "") -> None:
    rating = {"id": str(uuid.uuid4()), "kiosk_id": kiosk, "seq": seq, "kind": "rating",
              "item_id": case["item_id"], "reference": f"{kiosk}-{seq:06d}",
              "created_at": START.isoformat(),
              "payload": {"case": case["id"], "score": score, "reason": reason}}
    answer = api.kiosk(kiosk).post("/api/v1/transactions/batch",
                                   json={"transactions": [rating]})
    assert answer.json()["results"][0]["status"] == "accepted", answer.text


def rated_cases(api: Api) -> None:
    """K-A: a 5 and a 1 (slow); K-B: a 2 (unclear)."""
    a1 = send(api, "K-A", 1, person(10), "approved")
    a2 = send(api, "K-A", 2, person(11), "approved")
    b1 = send(api, "K-B", 1, person(12), "approved")
    rate(api, "K-A", 3, a1, 5)
    rate(api, "K-A", 4, a2, 1, "slow")
    rate(api, "K-B", 2, b1, 2, "unclear")


def test_staff_read_ratings_per_service_kiosk_reason_and_score(api: Api) -> None:
    rated_cases(api)
    answer = api.staff.get(RATINGS_REPORT_PATH)
    assert answer.status_code == 200, answer.text
    report = RatingReport.model_validate(answer.json())
    assert report.total == 3 and report.until == START
    assert report.since == START - timedelta(days=30)
    kiosks = {c.key: (c.count, c.bad, c.by_score) for c in report.by_kiosk}
    assert kiosks == {"K-A": (2, 1, {1: 1, 2: 0, 3: 0, 4: 0, 5: 1}),
                      "K-B": (1, 1, {1: 0, 2: 1, 3: 0, 4: 0, 5: 0})}
    assert [(c.key, c.count) for c in report.by_item] == [("marriage-record-proof", 3)]
    assert {c.key: c.count for c in report.by_reason} == {"slow": 1, "unclear": 1}
    only_b = api.staff.get(RATINGS_REPORT_PATH, params={"kiosk_id": "K-B"}).json()
    assert only_b["total"] == 1
    none = api.staff.get(RATINGS_REPORT_PATH, params={"item_id": "hk-permit"}).json()
    assert none["total"] == 0
    later = api.staff.get(RATINGS_REPORT_PATH,
                          params={"since": at(START + timedelta(seconds=1))}).json()
    assert later["total"] == 0
    naive = api.staff.get(RATINGS_REPORT_PATH, params={"since": "2026-11-01T00:00:00"})
    assert naive.status_code == 422  # a moment without its zone is ambiguous


def test_a_kiosk_reads_only_its_own_ratings(api: Api) -> None:
    rated_cases(api)
    own = api.kiosk("K-A").get(RATINGS_REPORT_PATH).json()
    assert own["total"] == 2 and [c["key"] for c in own["by_kiosk"]] == ["K-A"]
    other = api.kiosk("K-A").get(RATINGS_REPORT_PATH, params={"kiosk_id": "K-B"})
    assert other.status_code == 403


def test_the_published_schema_describes_each_transaction_kind(api: Api) -> None:
    spec = httpx.get(f"{api.platform.url}/openapi.json").json()
    schemas = spec["components"]["schemas"]
    rating = schemas["RatingPayload"]["properties"]
    assert (rating["score"]["minimum"], rating["score"]["maximum"]) == (1, 5)
    assert set(rating["reason"]["enum"]) == {"", *BAD_REVIEW_REASONS}
    mapping = schemas["Transaction"]["discriminator"]["mapping"]
    assert set(mapping) == {"application", "rating", "reservation", "redemption"}
    assert mapping["rating"] == "#/components/schemas/RatingTransaction"
    assert {"ReservationPayload", "RedemptionPayload"} <= set(schemas)
    assert {RATINGS_REPORT_PATH, STAFF_CASES_PATH, "/api/v1/staff/pickups/flags",
            "/api/v1/rounds/{round_id}/stock"} <= set(spec["paths"])


# -- staff's case list ------------------------------------------------------------------------

def test_staff_page_through_cases_newest_first_with_filters(api: Api) -> None:
    refs = []
    for seq in range(1, 8):
        refs.append(send(api, "K-A" if seq % 2 else "K-B", seq, person(20 + seq))["reference"])
        api.clock.advance(60)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        answer = api.staff.get(STAFF_CASES_PATH, params=params)
        assert answer.status_code == 200, answer.text
        page = CasePage.model_validate(answer.json())
        seen += [c.reference for c in page.cases]
        pages += 1
        if page.next_cursor is None:
            break
        send(api, "K-C", pages, person(40 + pages))  # arrives between pages: not repeated
        cursor = page.next_cursor
    assert seen == list(reversed(refs)) and pages == 3
    only_b = api.staff.get(STAFF_CASES_PATH, params={"kiosk_id": "K-B"}).json()["cases"]
    assert [c["reference"] for c in only_b] == [refs[5], refs[3], refs[1]]
    api.staff.post(f"/api/v1/staff/cases/{refs[0]}/status", json={"status": "reviewing"})
    reviewing = api.staff.get(STAFF_CASES_PATH, params={"status": "reviewing"}).json()
    assert [c["reference"] for c in reviewing["cases"]] == [refs[0]]
    window = api.staff.get(STAFF_CASES_PATH, params={
        "since": at(START + timedelta(seconds=60)), "until": at(START + timedelta(seconds=180)),
        "kiosk_id": "K-A", "item_id": "marriage-record-proof"}).json()["cases"]
    assert [c["reference"] for c in window] == [refs[2]]
    assert api.staff.get(STAFF_CASES_PATH, params={"cursor": "garbage!"}).status_code == 400
    assert api.staff.get(STAFF_CASES_PATH, params={"limit": 101}).status_code == 422
    assert api.kiosk().get(STAFF_CASES_PATH).status_code == 403


def test_the_cases_command_lists_and_filters(served: tuple[Api, str]) -> None:
    api, db = served
    first = send(api, "K-A", 1, person(50))["reference"]
    api.clock.advance(60)
    second = send(api, "K-B", 2, person(51))["reference"]
    out = subprocess.run([sys.executable, "-m", "server", "cases", "--db", db, "--json"],
                         cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
    assert [c["reference"] for c in json.loads(out)["cases"]] == [second, first]
    text = subprocess.run([sys.executable, "-m", "server", "cases", "--db", db,
                           "--kiosk", "K-A"], cwd=REPO_ROOT, capture_output=True,
                          text=True, check=True).stdout
    assert first in text and second not in text and "1 cases" in text


# -- demo rounds and statistics ---------------------------------------------------------------

def test_the_embedded_platform_has_two_open_demo_rounds(api: Api) -> None:
    listed = {r["id"]: RoundConfig.model_validate(r)
              for r in api.kiosk().get("/api/v1/rounds").json()["rounds"]}
    first_come, lottery = listed[FIRST_COME], listed[LOTTERY]
    now = api.clock.now()
    for config in (first_come, lottery):
        assert config.item_id == "mask-reservation" and not config.manual_entry
        assert config.opens_at < now < config.closes_at - timedelta(days=20)
    assert (first_come.mode, lottery.mode) == ("first_come", "lottery")
    assert first_come.offline_redemption and not lottery.offline_redemption
    assert lottery.draw_times and all(now < d for d in lottery.draw_times)
    assert api.kiosk().get(stock_path(FIRST_COME)).json()["remaining"][SOLD_OUT_SLOT] == 1
    # The Shanghai demo cards may enter the first-come round; a Nanjing one may not.
    local = api.enter(FIRST_COME, person(60, region="310104"), slot="sm-01/am")
    assert local["status"] == "allocated"
    outsider = api.enter(FIRST_COME, person(61, region="320102"), slot="sm-01/am")
    assert (outsider["status"], outsider["reason"]) == ("refused", "not_eligible")
    typed = api.enter(LOTTERY, person(62), slot="sm-01/am", product_type="kn95",
                      accept_either=True)
    assert typed["status"] == "entered"


def test_demo_rounds_stay_and_reopen_when_the_demo_database_is_reused(
        tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'platform.db'}"
    clock = FakeClock(START)
    first = EmbeddedPlatform(db, tmp_path / "sign.key", clock=clock)  # start() adds them
    assert first.add_demo_rounds(START) == [FIRST_COME, LOTTERY]
    assert first.add_demo_rounds(START + timedelta(days=1)) == []  # open: kept as they are
    first.engine.dispose()
    later = START + timedelta(days=90)
    again = EmbeddedPlatform(db, tmp_path / "sign.key", clock=FakeClock(later))
    try:
        assert again.add_demo_rounds(later) == [FIRST_COME, LOTTERY]  # closed: moved on
        assert again.add_demo_rounds(later) == []
    finally:
        again.engine.dispose()


def test_stats_count_entries_allocations_and_refusals_per_round(
        served: tuple[Api, str]) -> None:
    api, db = served
    r = api.round(mode="first_come", quotas={"sm-01/am": 1})["id"]
    api.enter(r, person(70))
    api.enter(r, person(71))  # sold out
    api.enter(r, person(72, region="110101"))  # not eligible
    send(api, "K-A", 1, person(73))
    out = subprocess.run([sys.executable, "-m", "server", "stats", "--db", db, "--json"],
                         cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
    stats = json.loads(out)
    assert stats["rounds"][r] == {
        "requests": 3, "entries": 1, "updates": 0, "allocations": 1, "refused": 2,
        "refusals": {"sold_out": 1, "not_eligible": 1},
        "offline": {"requests": 0, "refused": 0}}
    assert stats["rounds"][FIRST_COME]["requests"] == 0
    assert stats["kiosks"]["K-A"]["application"] == 1
    text = subprocess.run([sys.executable, "-m", "server", "stats", "--db", db],
                          cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
    assert r in text and "sold_out 1" in text
