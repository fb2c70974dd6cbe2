"""Which transport answers: JSON, SSE or multipart, by the client's Accept order and q-values."""

from __future__ import annotations

import asyncio
import json
import logging

import httpx2
import pytest

from graph.negotiation import HTTP, MULTIPART, SSE, choose_protocol, media_ranges
from tests.api import Api, World
from tests.live_clients import STATUS_CHANGED, TIMEOUT, bearer, feeds_open

URQL_QUERY = (
    "application/graphql-response+json, application/graphql+json, application/json, "
    "text/event-stream, multipart/mixed"
)
URQL_SUBSCRIPTION = "text/event-stream, multipart/mixed"
APOLLO_SUBSCRIPTION = 'multipart/mixed;boundary="graphql";subscriptionSpec=1.0,application/json'
APOLLO_QUERY = "application/graphql-response+json,application/json;q=0.9"
GRAPHIQL = "application/json, multipart/mixed"
ME = {"query": "{ me { email } }"}


@pytest.mark.parametrize(
    ("accept", "subscription", "protocol"),
    [
        (URQL_QUERY, False, HTTP),
        (APOLLO_QUERY, False, HTTP),
        (GRAPHIQL, False, HTTP),
        ("text/event-stream", False, SSE),
        ("text/event-stream, application/json", False, SSE),
        ("application/json;q=0.5, text/event-stream", False, SSE),
        ("text/event-stream;q=0.1, application/json", False, HTTP),
        ("*/*", False, HTTP),
        (None, False, HTTP),
        (URQL_SUBSCRIPTION, True, SSE),
        (URQL_QUERY, True, SSE),
        (APOLLO_SUBSCRIPTION, True, MULTIPART),
        ("text/event-stream;q=0.5, multipart/mixed;subscriptionSpec=1.0", True, MULTIPART),
        ("application/json", True, None),
        (GRAPHIQL, True, None),  # multipart without subscriptionSpec is incremental delivery
        ("text/event-stream;q=0", True, None),
        ("*/*", True, SSE),
        (None, True, SSE),
        ("application/json, */*;q=0.5", True, SSE),
    ],
)
def test_choose_protocol(accept: str | None, subscription: bool, protocol: str | None) -> None:
    assert choose_protocol(accept, subscription) == protocol


def test_media_ranges_order_by_quality_then_position() -> None:
    ranges = media_ranges("a/a;q=0.5, b/b, c/c;q=0.9, d/d;q=0, e/e")
    assert [m.type for m in ranges] == ["b/b", "e/e", "c/c", "a/a"]


async def test_urqls_default_accept_gets_json_for_a_query(api: Api) -> None:
    response = await api.post(ME, Accept=URQL_QUERY)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/graphql-response+json")
    assert response.json()["data"] == {"me": {"email": "alice@a.example"}}


async def test_a_mutation_with_json_first_answers_json(api: Api) -> None:
    document = (
        'mutation { createDraft(input: {to: ["p@example.com"], subject: "Hi"}) '
        "{ email { subject } } }"
    )
    response = await api.post({"query": document}, Accept=URQL_QUERY)
    assert response.headers["content-type"].startswith("application/graphql-response+json")
    assert response.json()["data"]["createDraft"]["email"] == {"subject": "Hi"}


async def test_a_query_preferring_an_event_stream_gets_one(live: World, server: str) -> None:
    headers = {**bearer(live.alice.token), "Accept": "text/event-stream, application/json"}
    async with httpx2.AsyncClient(base_url=server, timeout=TIMEOUT) as client:
        response = await client.post("/graphql", json=ME, headers=headers)
    assert response.headers["content-type"].startswith("text/event-stream")
    # LF line endings only, one `next` then `complete`, each event ended by an empty line.
    assert "\r" not in response.text
    events = [block for block in response.text.split("\n\n") if block]
    head, _, payload = events[0].partition("\ndata: ")
    assert head == "event: next"
    assert json.loads(payload)["data"] == {"me": {"email": "alice@a.example"}}
    assert events[1] == "event: complete\ndata: "


async def test_a_subscription_without_a_streaming_type_gets_406_not_a_masked_error(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    for accept in ("application/json", "application/graphql-response+json", GRAPHIQL):
        with caplog.at_level(logging.WARNING):
            response = await api.post({"query": STATUS_CHANGED}, Accept=accept)
        assert response.status_code == 406
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "SUBSCRIPTION_TRANSPORT_REQUIRED"
        assert "graphql-transport-ws" in error["message"] and "SSE" in error["message"]
        assert "multipart" in error["message"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def _multipart_parts(response: httpx2.Response, wanted: int) -> list[dict]:
    """The JSON parts of a multipart/mixed;boundary=graphql stream, heartbeats (`{}`) dropped."""
    buffer, parts = "", []
    async with asyncio.timeout(TIMEOUT):
        async for chunk in response.aiter_text():
            buffer += chunk
            *complete, buffer = buffer.split("\r\n--graphql")
            for part in complete:
                _, _, body = part.partition("\r\n\r\n")
                if body.strip() and json.loads(body) != {}:
                    parts.append(json.loads(body))
            if len(parts) >= wanted:
                return parts
    raise AssertionError(f"the stream ended after {parts}")


async def test_apollo_multipart_subscription_receives_changes(live: World, server: str) -> None:
    headers = {
        **bearer(live.alice.token),
        "Accept": APOLLO_SUBSCRIPTION,
        "Accept-Encoding": "gzip",
    }
    body = {"query": STATUS_CHANGED, "variables": {}}
    async with (
        httpx2.AsyncClient(base_url=server, timeout=TIMEOUT) as client,
        client.stream("POST", "/graphql", json=body, headers=headers) as response,
    ):
        assert response.status_code == 200
        content_type = response.headers["content-type"]
        assert content_type.startswith("multipart/mixed") and "boundary=graphql" in content_type
        assert "subscriptionSpec=1.0" in content_type
        assert "content-encoding" not in response.headers  # never buffered by gzip
        await feeds_open(1)
        draft = await live.alice.create_draft(subject="Multipart")
        [part] = await _multipart_parts(response, 1)
    change = part["payload"]["data"]["emailStatusChanged"]
    assert change["emailId"] == draft["id"] and change["newStatus"] == "DRAFT"


async def test_urql_subscription_accept_gets_sse(live: World, server: str) -> None:
    headers = {**bearer(live.alice.token), "Accept": URQL_SUBSCRIPTION, "Accept-Encoding": "gzip"}
    body = {"query": STATUS_CHANGED}
    async with (
        httpx2.AsyncClient(base_url=server, timeout=TIMEOUT) as client,
        client.stream("POST", "/graphql", json=body, headers=headers) as response,
    ):
        assert response.headers["content-type"].startswith("text/event-stream")
        assert "content-encoding" not in response.headers
        await feeds_open(1)
        draft = await live.alice.create_draft(subject="SSE")
        lines = response.aiter_lines()
        async with asyncio.timeout(TIMEOUT):
            assert await anext(lines) == "event: next"
            data = json.loads((await anext(lines)).removeprefix("data: "))
    assert data["data"]["emailStatusChanged"]["emailId"] == draft["id"]


async def test_a_subscription_over_get_streams_as_sse(live: World, server: str) -> None:
    """EventSource-style clients subscribe with GET and `Accept: text/event-stream`."""
    headers = {**bearer(live.alice.token), "Accept": "text/event-stream"}
    params = {"query": STATUS_CHANGED}
    async with (
        httpx2.AsyncClient(base_url=server, timeout=TIMEOUT) as client,
        client.stream("GET", "/graphql", params=params, headers=headers) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        await feeds_open(1)
        draft = await live.alice.create_draft(subject="GET")
        lines = response.aiter_lines()
        async with asyncio.timeout(TIMEOUT):
            assert await anext(lines) == "event: next"
            data = json.loads((await anext(lines)).removeprefix("data: "))
    assert data["data"]["emailStatusChanged"]["emailId"] == draft["id"]


async def test_a_get_subscription_accepting_only_json_gets_406(api: Api) -> None:
    response = await api.client.get(
        "/graphql",
        params={"query": STATUS_CHANGED},
        headers={"Authorization": f"Bearer {api.token}", "Accept": "application/json"},
    )
    assert response.status_code == 406
    assert response.json()["errors"][0]["extensions"]["code"] == "SUBSCRIPTION_TRANSPORT_REQUIRED"
