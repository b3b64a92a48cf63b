"""The online client: every failure of the link or the platform is one typed exception,
and every answer is parsed into the shared models."""

from __future__ import annotations

import json

import httpx
import pytest

from contracts.platform_api import (
    CabinetCollect,
    CabinetLoad,
    CabinetUnload,
    DocumentType,
)
from offline_cache.platform_client import PlatformClient, PlatformRefused, PlatformUnavailable


def client_answering(handler: httpx.MockTransport) -> PlatformClient:
    return PlatformClient(httpx.Client(base_url="http://platform", transport=handler))


def test_answers_are_parsed_into_the_shared_models() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/reservations/lookup"
        body = json.loads(request.content)
        assert body["document"] == {"document_type": "resident_id",
                                    "document_number": "310104199001011234"}
        return httpx.Response(200, json={"entries": [
            {"round_id": "r1", "reference": "E-1", "status": "entered", "choices": ["a/b"]}]})

    entries = client_answering(httpx.MockTransport(answer)).entries(
        DocumentType.RESIDENT_ID, "310104199001011234")
    assert [(e.round_id, e.status, e.choices) for e in entries] == [("r1", "entered", ["a/b"])]


@pytest.mark.parametrize(("response", "code"), [
    (httpx.Response(500, text="boom"), "http_status:500"),
    (httpx.Response(200, text="<html>"), "malformed"),
    (httpx.Response(200, json={"rounds": [{"id": "no mode"}]}), "malformed"),
    (httpx.Response(200, json=["not", "an", "object"]), "malformed"),
])
def test_a_failing_platform_is_unavailable(response: httpx.Response, code: str) -> None:
    client = client_answering(httpx.MockTransport(lambda _: response))
    with pytest.raises(PlatformUnavailable) as caught:
        client.rounds()
    assert str(caught.value) == code


def test_no_connection_is_unavailable_and_a_4xx_is_refused() -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(PlatformUnavailable, match="unreachable"):
        client_answering(httpx.MockTransport(unreachable)).redeem("code")
    refused = client_answering(httpx.MockTransport(lambda _: httpx.Response(422, json={})))
    with pytest.raises(PlatformRefused, match="422"):
        refused.cases(reference="XH-1")


# -- the pickup cabinet ---------------------------------------------------------------------

def test_cabinet_calls_send_the_shared_models_and_parse_the_answers() -> None:
    seen: list[tuple[str, str, object]] = []
    answers = {
        "/api/v1/cabinet/loads": {"reference": "XH-1", "status": "ready", "compartment": "A1",
                                  "case_status": "ready_for_pickup",
                                  "expires_at": "2026-12-18T01:00:00Z"},
        "/api/v1/cabinet/unloads": {"reference": "XH-1", "status": "withdrawn"},
        "/api/v1/cabinet/collect": {"redemptions": [{"status": "redeemed", "ref": "XH-1"}],
                                    "compartments": {"XH-1": "A1"}},
        "/api/v1/cabinet/contents": {"slots": [{
            "reference": "XH-1", "compartment": "A1", "status": "ready",
            "loaded_at": "2026-12-04T01:00:00Z"}], "as_of": "2026-12-04T02:00:00Z"},
    }

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        seen.append((request.method, request.url.path, body))
        return httpx.Response(200, json=answers[request.url.path])

    client = client_answering(httpx.MockTransport(answer))
    loaded = client.load_into_cabinet(CabinetLoad(reference="XH-1", compartment="A1",
                                                  staff="li"))
    assert (loaded.status, loaded.compartment) == ("ready", "A1") and loaded.expires_at
    assert client.unload_from_cabinet(
        CabinetUnload(reference="XH-1", reason="damaged")).status == "withdrawn"
    collected = client.collect_from_cabinet(CabinetCollect(
        document_number="310104198506121230"))
    assert collected.compartments == {"XH-1": "A1"}
    assert [s.status for s in client.cabinet_contents().slots] == ["ready"]
    assert seen == [
        ("POST", "/api/v1/cabinet/loads", {"reference": "XH-1", "compartment": "A1",
                                           "staff": "li"}),
        ("POST", "/api/v1/cabinet/unloads", {"reference": "XH-1", "reason": "damaged",
                                             "staff": ""}),
        ("POST", "/api/v1/cabinet/collect", {"document_type": "resident_id",
                                             "document_number": "310104198506121230"}),
        ("GET", "/api/v1/cabinet/contents", None)]


@pytest.mark.parametrize(("response", "error"), [
    (httpx.Response(503, text="down"), PlatformUnavailable),
    (httpx.Response(200, json={"slots": "not a list", "as_of": "x"}), PlatformUnavailable),
    (httpx.Response(200, json={"reference": "XH-1", "status": "lost"}), PlatformUnavailable),
    (httpx.Response(403, json={"detail": "staff credentials cannot use this endpoint"}),
     PlatformRefused),
])
def test_cabinet_calls_fail_as_the_others_do(response: httpx.Response,
                                            error: type[Exception]) -> None:
    client = client_answering(httpx.MockTransport(lambda _: response))
    calls = (lambda: client.load_into_cabinet(CabinetLoad(reference="XH-1", compartment="A1")),
             lambda: client.unload_from_cabinet(CabinetUnload(reference="XH-1",
                                                              reason="mistake")),
             lambda: client.collect_from_cabinet(CabinetCollect(document_number="X1234")),
             client.cabinet_contents)
    for call in calls:
        with pytest.raises(error):
            call()


def test_an_unreachable_platform_is_unavailable_to_the_cabinet_too() -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(PlatformUnavailable, match="unreachable"):
        client_answering(httpx.MockTransport(unreachable)).cabinet_contents()
