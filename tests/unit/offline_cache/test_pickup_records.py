"""What the kiosk keeps for pickup and progress offline: a digest of each code collected
here (its first time kept), and case views without their pickup code."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from contracts.clock import FakeClock
from contracts.platform_api import CaseEvent, CaseView
from offline_cache.case_cache import CaseCache
from offline_cache.collected_codes import CollectedCodes
from offline_cache.store import open_store

CODE = "GKP1.eyJyZWYiOiJSLTEifQ.c2lnbmF0dXJl"


def test_a_code_collected_here_is_found_with_its_first_time(tmp_path: Path) -> None:
    clock = FakeClock()
    collected = CollectedCodes(open_store(tmp_path / "kiosk.db"), clock)
    assert collected.find(CODE) is None
    first = collected.remember(CODE, "R-1", confirmed=False)
    clock.advance(3600)
    again = collected.remember(f" {CODE} ", "R-1", confirmed=True)  # as scanned, spaces
    assert again.collected_at == first.collected_at and again.confirmed
    assert collected.find(CODE) == again


def test_only_a_digest_of_the_code_is_stored(tmp_path: Path) -> None:
    db = open_store(tmp_path / "kiosk.db")
    CollectedCodes(db, FakeClock()).remember(CODE, "R-1", confirmed=True)
    raw = (tmp_path / "kiosk.db").read_bytes() + (tmp_path / "kiosk.db-wal").read_bytes()
    assert CODE.encode() not in raw


def test_a_newer_case_view_replaces_the_cached_one(tmp_path: Path) -> None:
    clock = FakeClock()
    cache = CaseCache(open_store(tmp_path / "kiosk.db"), clock)
    at = datetime(2026, 11, 20, tzinfo=UTC)
    view = CaseView(reference="XH-1-000001", item_id="x", status="received", received_at=at,
                    timeline=[CaseEvent(status="received", reason="", at=at)], rated=False)
    cache.put(view)
    clock.advance(60)
    moved = view.model_copy(update={"status": "reviewing", "timeline": [
        *view.timeline, CaseEvent(status="reviewing", reason="", at=at)]})
    cache.put(moved)
    cached = cache.get("XH-1-000001")
    assert cached is not None and cached.view.status == "reviewing"
    assert cached.fetched_at == clock.now() and cache.get("XH-1-000002") is None
