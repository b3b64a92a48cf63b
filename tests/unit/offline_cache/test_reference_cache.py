"""Reference data: versioned on the platform, cached by the kiosk, served from cache offline."""

from __future__ import annotations

import copy
from pathlib import Path

import httpx
import pytest

from contracts.clock import FakeClock
from contracts.reference_data import (
    CATALOG,
    NAMES,
    PHARMACIES,
    PLATFORM_KEYS,
    ROUNDS,
    version_of,
)
from offline_cache.reference_cache import ReferenceCache
from offline_cache.store import open_store
from server.embedded import EmbeddedPlatform
from tests.support.platform_access import bearer, enrol_kiosk
from wiring.assembly import assemble
from wiring.config import KioskConfig, load_config


@pytest.fixture
def platform(platform_server: EmbeddedPlatform) -> EmbeddedPlatform:
    return platform_server


def kiosk_auth(platform: EmbeddedPlatform) -> dict[str, str]:
    return bearer(platform.enrol("kiosk", "K-REF"))


@pytest.fixture
def cache(tmp_path: Path) -> ReferenceCache:
    return ReferenceCache(open_store(tmp_path / "kiosk.db"), FakeClock())


def test_platform_lists_versions_that_match_the_content(platform: EmbeddedPlatform) -> None:
    with httpx.Client(base_url=platform.url, headers=kiosk_auth(platform)) as client:
        versions = client.get("/api/v1/reference").json()["versions"]
        assert set(versions) == set(NAMES)
        for name in NAMES:
            doc = client.get(f"/api/v1/reference/{name}").json()
            assert doc["version"] == versions[name] == version_of(doc["body"])
        assert client.get("/api/v1/reference/secrets").status_code == 404
        keys = client.get(f"/api/v1/reference/{PLATFORM_KEYS}").json()["body"]["keys"]
        assert platform.signer.kid in keys


def test_refresh_fetches_only_what_changed(platform: EmbeddedPlatform,
                                           cache: ReferenceCache) -> None:
    fetched: list[str] = []
    with httpx.Client(base_url=platform.url, headers=kiosk_auth(platform),
                      event_hooks={"request": [lambda r: fetched.append(r.url.path)]}) as client:
        first = cache.refresh(client)
        assert set(first.updated) == {*NAMES, ROUNDS} and not first.rejected
        fetched.clear()
        assert cache.refresh(client).updated == ()
        # Versions and the round list (the platform does not version it): nothing stored again.
        assert fetched == ["/api/v1/reference", "/api/v1/rounds"]
    doc = cache.get(PHARMACIES)
    assert doc is not None and len(doc.body["pharmacies"]) == 7


def test_a_malformed_document_never_replaces_the_cache(platform: EmbeddedPlatform,
                                                       cache: ReferenceCache) -> None:
    with httpx.Client(base_url=platform.url, headers=kiosk_auth(platform)) as client:
        cache.refresh(client)
        good = cache.get(CATALOG)
    assert good is not None
    broken = copy.deepcopy(good.body)
    broken["items"][0]["category"] = "nonsense"

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/reference":
            return httpx.Response(200, json={"versions": {CATALOG: version_of(broken)}})
        return httpx.Response(200, json={"name": CATALOG, "version": "x", "body": broken})

    with httpx.Client(base_url="http://p", transport=httpx.MockTransport(answer)) as client:
        report = cache.refresh(client)
    assert report.updated == ()
    assert "catalog: catalog: items[marriage-record-proof].category" in report.rejected[0]
    assert report.rejected[1].startswith("rounds: ")  # a catalog where rounds were due
    assert cache.get(CATALOG) == good


def test_rounds_are_cached_when_they_change_and_kept_when_malformed(
        cache: ReferenceCache) -> None:
    listed: dict[str, object] = {"rounds": []}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/reference":
            return httpx.Response(200, json={"versions": {}})
        return httpx.Response(200, json=listed)

    round_ = {"id": "r1", "mode": "lottery", "opens_at": "2026-12-01T08:00:00+08:00",
              "closes_at": "2026-12-09T20:00:00+08:00", "quotas": {"p1/w1": 10}}
    with httpx.Client(base_url="http://p", transport=httpx.MockTransport(answer)) as client:
        assert cache.refresh(client).updated == (ROUNDS,)
        listed["rounds"] = [round_]
        assert cache.refresh(client).updated == (ROUNDS,)
        listed["rounds"] = [{**round_, "mode": "raffle"}]
        report = cache.refresh(client)
    assert report.updated == () and "rounds" in report.rejected[0]
    doc = cache.get(ROUNDS)
    assert doc is not None and [r["id"] for r in doc.body["rounds"]] == ["r1"]


def test_kiosk_starts_offline_from_its_cached_reference_data(tmp_path: Path,
                                                             platform: EmbeddedPlatform) -> None:
    """Online once: the cache fills. Then the link is gone and the kiosk restarts."""
    config: KioskConfig = load_config(Path("config/demo.toml"), data_dir=tmp_path / "data",
                                      platform_url=platform.url)
    enrol_kiosk(platform, config)
    assembly = assemble(config, FakeClock())
    try:
        assert assembly.api.sync_once().online
        # The platform's catalog gained an item since the kiosk's bundled copy was made.
        doc = assembly.store.references.get(CATALOG)
        assert doc is not None
        extra = copy.deepcopy(doc.body)
        extra["items"].append({**extra["items"][0], "id": "platform-only-item",
                               "name_zh": "平台新增事项"})
        assembly.store.references.put(CATALOG, extra)
    finally:
        assembly.close()
    offline = load_config(Path("config/demo.toml"), data_dir=tmp_path / "data",
                          platform_url="http://127.0.0.1:9")
    assembly = assemble(offline, FakeClock())
    try:
        report = assembly.api.sync_once()
        assert not report.online
        assert assembly.api.catalog.get("platform-only-item").name_zh == "平台新增事项"
        pharmacies = assembly.api.pharmacies
        assert pharmacies is not None and "思明区" in pharmacies.districts()
        assert platform.signer.kid in assembly.api.pickup_keys  # verifies its codes offline
    finally:
        assembly.close()
