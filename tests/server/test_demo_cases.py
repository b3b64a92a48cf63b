"""The demo platform's two approved cases for the cabinet: made as a real application
is, for people on the demo card deck, and made again once collected a day ago."""

from __future__ import annotations

import tomllib
from pathlib import Path

import httpx

from contracts.platform_api import CABINET_COLLECT_PATH, CABINET_LOADS_PATH
from server.demo_cases import DEMO_CASES, DEMO_DESK
from server.embedded import EmbeddedPlatform
from tests.support import REPO_ROOT
from tests.support.platform_access import bearer
from tests.support.platform_api import Api


def statuses(api: Api) -> dict[str, tuple[str, list[str]]]:
    found = {}
    for demo in DEMO_CASES:
        answer = api.staff.post("/api/v1/cases/lookup", json={"reference": demo.reference})
        case = answer.json()["cases"][0]
        found[demo.reference] = (case["status"], [e["status"] for e in case["timeline"]])
    return found


def test_the_demo_cases_belong_to_people_on_the_demo_deck() -> None:
    deck = tomllib.loads((REPO_ROOT / "config" / "demo-cards.toml").read_text("utf-8"))
    cards = {card["id_number"]: card["name"] for card in deck["cards"]}
    assert {d.id_number: d.name for d in DEMO_CASES}.items() <= cards.items()
    assert [d.reference for d in DEMO_CASES] == ["DEMO-000001", "DEMO-000002"]


def test_demo_cases_are_approved_then_made_again_a_day_after_collection(api: Api) -> None:
    assert api.platform.add_demo_cases(api.clock.now()) == ["DEMO-000001", "DEMO-000002"]
    assert statuses(api) == {d.reference: ("approved", ["received", "approved"])
                             for d in DEMO_CASES}
    assert api.platform.add_demo_cases(api.clock.now()) == []  # kept as they are

    first = DEMO_CASES[0]
    loaded = api.kiosk("XH-CCB-0001").post(CABINET_LOADS_PATH, json={
        "reference": first.reference, "compartment": "A1"}).json()
    assert loaded["status"] == "ready"
    collected = api.kiosk("XH-CCB-0001").post(CABINET_COLLECT_PATH, json={
        "document_number": first.id_number}).json()
    assert collected["compartments"] == {first.reference: "A1"}
    api.clock.advance(3600)
    assert api.platform.add_demo_cases(api.clock.now()) == []  # today's collection shows
    assert statuses(api)[first.reference][0] == "collected"

    api.clock.advance(86_400)
    assert api.platform.add_demo_cases(api.clock.now()) == [first.reference]
    assert statuses(api)[first.reference] == ("approved", ["received", "approved"])
    again = api.kiosk("XH-CCB-0001").post(CABINET_LOADS_PATH, json={
        "reference": first.reference, "compartment": "A1"}).json()
    assert again["status"] == "ready"  # A1 is free, the new case loads
    desk = api.staff.get("/api/v1/staff/cases", params={"kiosk_id": DEMO_DESK}).json()
    assert sorted(c["reference"] for c in desk["cases"]) == [d.reference for d in DEMO_CASES]


def test_a_demo_platform_asked_for_them_starts_with_them(tmp_path: Path) -> None:
    platform = EmbeddedPlatform(f"sqlite:///{tmp_path / 'platform.db'}", tmp_path / "sign.key",
                                demo_cases=True)
    platform.start()
    try:
        token = platform.enrol("staff", "desk")
        answer = httpx.get(f"{platform.url}/api/v1/staff/cases", headers=bearer(token),
                           params={"kiosk_id": DEMO_DESK}, timeout=10).json()
        assert sorted((c["reference"], c["status"]) for c in answer["cases"]) == [
            ("DEMO-000001", "approved"), ("DEMO-000002", "approved")]
    finally:
        platform.stop()
