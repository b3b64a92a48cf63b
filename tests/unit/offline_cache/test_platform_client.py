"""The online client: every failure of the link or the platform is one typed exception,
and every answer is parsed into the shared models."""

from __future__ import annotations

import json

import httpx
import pytest

from contracts.platform_api import DocumentType
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
