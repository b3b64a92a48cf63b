"""The fleet view over a real socket, on SQLite and on PostgreSQL: a kiosk posts its
report as itself (the credential names it, never the body), the platform measures its
clock drift and keeps the latest; staff read the fleet as JSON and as a page; a bad
body is 422 and says nothing of what was sent."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from contracts.wire import KIOSK_REPORT_PATH
from server.db import kiosk_reports
from server.fleet import FLEET_PAGE_PATH, FLEET_PATH
from tests.support.platform_access import bearer
from tests.support.platform_api import START, Api, person


def report(sent_at: datetime = START, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sent_at": sent_at.isoformat(), "last_rtt_ms": 0, "queue_length": 0,
        "devices": {"printer": {"state": "ok"}, "reader": {"state": "ok"}},
        "outages": [], "software": "0.1.0"}
    return {**body, **changes}


def fleet_of(api: Api) -> dict[str, dict[str, Any]]:
    answer = api.staff.get(FLEET_PATH)
    assert answer.status_code == 200, answer.text
    return {k["kiosk_id"]: k for k in answer.json()["kiosks"]}


def test_only_a_kiosk_reports_and_only_staff_read_the_fleet(api: Api) -> None:
    url = api.platform.url
    assert api.kiosk("K-A").post(KIOSK_REPORT_PATH, json=report()).status_code == 200
    for path in (FLEET_PATH, FLEET_PAGE_PATH):
        assert api.kiosk("K-A").get(path).status_code == 403, path
        assert httpx.get(f"{url}{path}").status_code == 401
        assert api.admin.get(path).status_code == 200  # admins may do what staff do
    assert api.staff.post(KIOSK_REPORT_PATH, json=report()).status_code == 403
    assert api.admin.post(KIOSK_REPORT_PATH, json=report()).status_code == 403
    guessed = api.kiosk("K-A").post(KIOSK_REPORT_PATH, json=report(),
                                    headers=bearer("gk.kiosk.K-A.guessed"))
    assert guessed.status_code == 401


def test_the_kiosk_is_its_credential_never_the_body(api: Api) -> None:
    posing = api.kiosk("K-A").post(KIOSK_REPORT_PATH,
                                   json=report(queue_length=7, kiosk_id="K-B"))
    assert posing.status_code == 422
    assert [e["loc"] for e in posing.json()["detail"]] == [["body", "kiosk_id"]]
    assert api.kiosk("K-A").post(KIOSK_REPORT_PATH, json=report(queue_length=7)
                                 ).status_code == 200
    api.kiosk("K-B")  # enrolled, never reported
    kiosks = fleet_of(api)
    assert kiosks["K-A"]["report"]["queue_length"] == 7
    assert kiosks["K-B"]["report"] is None and kiosks["K-B"]["received_at"] is None
    assert kiosks["K-B"]["stale"] is True
    # A kiosk taken out of the fleet (its credential revoked) leaves the view.
    assert api.admin.delete("/api/v1/admin/credentials/kiosk/K-A").json() == {"revoked": True}
    assert set(fleet_of(api)) == {"K-B"}


def test_the_drift_is_receipt_minus_sent_minus_half_the_round_trip(api: Api) -> None:
    # The kiosk's clock is 5 s behind; its last round trip took 400 ms.
    ack = api.kiosk("K-A").post(KIOSK_REPORT_PATH, json=report(
        START - timedelta(seconds=5), last_rtt_ms=400))
    assert ack.status_code == 200, ack.text
    assert ack.json()["drift_s"] == 4.8
    assert datetime.fromisoformat(ack.json()["received_at"]) == START
    # Another kiosk's clock is 3 minutes ahead: past the kiosk's own 120 s warning.
    api.kiosk("K-B").post(KIOSK_REPORT_PATH, json=report(START + timedelta(minutes=3)))
    api.kiosk("K-C").post(KIOSK_REPORT_PATH, json=report(START + timedelta(seconds=1)))
    kiosks = fleet_of(api)
    assert (kiosks["K-A"]["drift_s"], kiosks["K-A"]["drift"]) == (4.8, "warning")
    assert (kiosks["K-B"]["drift_s"], kiosks["K-B"]["drift"]) == (-180.0, "over")
    assert (kiosks["K-C"]["drift_s"], kiosks["K-C"]["drift"]) == (-1.0, "ok")


def test_the_latest_report_is_kept_and_silence_makes_a_kiosk_stale(api: Api) -> None:
    kiosk = api.kiosk("K-A")
    kiosk.post(KIOSK_REPORT_PATH, json=report(queue_length=5)).raise_for_status()
    api.clock.advance(10)
    outage = {"service": "*", "reason": "no_paper", "by": "auto",
              "since": START.isoformat()}
    kiosk.post(KIOSK_REPORT_PATH, json=report(
        START + timedelta(seconds=10), queue_length=2,
        oldest_queued_at=START.isoformat(), outages=[outage],
        devices={"printer": {"state": "fault", "detail": "no_paper"}})).raise_for_status()
    with api.platform.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(kiosk_reports)).scalar_one() == 1
    now = fleet_of(api)["K-A"]
    assert now["report"]["queue_length"] == 2
    assert now["report"]["devices"] == {"printer": {"state": "fault", "detail": "no_paper"}}
    assert now["out_of_service"] is True and now["stale"] is False
    assert datetime.fromisoformat(now["received_at"]) == START + timedelta(seconds=10)
    api.clock.advance(61)  # past stale_after_s (60 s) without a word
    assert fleet_of(api)["K-A"]["stale"] is True


def test_a_bad_body_is_422_and_echoes_nothing(api: Api) -> None:
    kiosk = api.kiosk("K-A")
    number = person(3)
    for body in (
            report(queue_length=-1, software=number * 4),  # over 60 characters too
            report(queue_length=number),
            report(devices={"printer": {"state": "on fire", "detail": number}}),
            report(outages=[{"service": "*", "reason": number, "by": "auto",
                             "since": START.isoformat()}]),
            {"sent_at": number},
            [number]):
        answer = kiosk.post(KIOSK_REPORT_PATH, json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert number not in answer.text
    assert kiosk.post(KIOSK_REPORT_PATH, json={**report(), "sent_at": 1_700_000_000}
                      ).status_code == 422
    # A moment without its zone cannot be compared with the platform's clock.
    naive = kiosk.post(KIOSK_REPORT_PATH, json=report(sent_at=START.replace(tzinfo=None)))
    assert naive.status_code == 422
    assert [e["loc"] for e in naive.json()["detail"]] == [["body", "sent_at"]]
    for loose in ({"queue_length": "5"}, {"last_rtt_ms": 1.5},
                  {"oldest_queued_at": 0}):
        assert kiosk.post(KIOSK_REPORT_PATH, json=report(**loose)).status_code == 422, loose
    # A lone surrogate cannot be stored (PostgreSQL would fail on it).
    unstorable = kiosk.post(KIOSK_REPORT_PATH, content=(
        '{"sent_at": "2026-11-23T01:00:00+00:00", "queue_length": 0, "outages": [{'
        '"service": "*", "reason": "other", "by": "staff", "since":'
        f' "2026-11-23T01:00:00+00:00", "note": "{number}\\ud837"}}]}}').encode(),
        headers={"Content-Type": "application/json"})
    assert unstorable.status_code == 422 and number not in unstorable.text
    assert fleet_of(api)["K-A"]["report"] is None  # none of them was kept
    # A control character is text like any other (escaped in the stored JSON).
    odd = report(outages=[{"service": "*", "reason": "other", "by": "staff",
                           "since": START.isoformat(), "note": "a\x00b\x1b"}])
    assert kiosk.post(KIOSK_REPORT_PATH, json=odd).status_code == 200
    assert fleet_of(api)["K-A"]["report"]["outages"][0]["note"] == "a\x00b\x1b"
    assert api.staff.get(FLEET_PAGE_PATH).status_code == 200


def test_the_page_shows_each_kiosk_escaped_and_loads_nothing(api: Api) -> None:
    api.kiosk("K-A").post(KIOSK_REPORT_PATH, json=report(
        queue_length=3, outages=[{"service": "*", "reason": "staff", "by": "staff",
                                  "since": START.isoformat(),
                                  "note": "<script>alert(1)</script>"}])).raise_for_status()
    page = api.staff.get(FLEET_PAGE_PATH)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert '<tr data-kiosk="K-A"' in page.text
    assert "<script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "整机停用 whole kiosk" in page.text
    assert "http://" not in page.text and "https://" not in page.text


def test_a_device_that_pauses_many_services_is_one_line(api: Api) -> None:
    """Paper out pauses every slip service, one outage each: the page says how many."""
    paused = [{"service": f"item-{n:02d}", "reason": "no_paper", "by": "auto",
               "since": START.isoformat()} for n in range(9)]
    staff = {"service": "hk-permit", "reason": "maintenance", "by": "staff",
             "since": START.isoformat()}
    api.kiosk("K-A").post(KIOSK_REPORT_PATH,
                          json=report(outages=[*paused, staff])).raise_for_status()
    page = api.staff.get(FLEET_PAGE_PATH).text
    assert page.count('data-services="9"') == 1
    assert "9 项服务 services (item-00, item-01, item-02, …)" in page
    assert 'data-service="item-05"' not in page
    assert 'data-service="hk-permit"' in page  # a single outage keeps its own line


def test_a_plain_browser_is_asked_for_the_staff_credential(api: Api) -> None:
    """No header-adding tool: the page asks with HTTP Basic, the credential as password."""
    url = f"{api.platform.url}{FLEET_PAGE_PATH}"
    asked = httpx.get(url)
    assert asked.status_code == 401
    assert asked.headers["www-authenticate"].startswith('Basic realm="fleet"')
    staff_token = api.staff.headers["Authorization"].removeprefix("Bearer ")
    kiosk_token = api.kiosk("K-A").headers["Authorization"].removeprefix("Bearer ")
    assert httpx.get(url, auth=("staff", staff_token)).status_code == 200
    assert httpx.get(url, auth=("anyone", kiosk_token)).status_code == 403
    refused = httpx.get(url, auth=("staff", "gk.staff.S-1.guessed"))
    assert refused.status_code == 401 and "guessed" not in refused.text
