"""Cost and budget apply to operations over WebSocket and SSE, shared subscriptions included."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx2
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from config.settings import get_settings
from graph.app import create_app
from tests.api import World, build_world
from tests.limits.helpers import ALIASED_COST, graphql_app
from tests.live_clients import TIMEOUT, WsClient, bearer, serve, ws_client

# 1 + 1 + (1 + 100 × (1 + 1 + (1 + 100 × (1 + 1)))) = 20,303 points per subscription.
COSTLY = """subscription { emailStatusChanged { email { events(first: 100) { nodes {
  email { events(first: 100) { nodes { email { id } } } } } } } } }"""
CHEAP = "subscription { emailStatusChanged { emailId } }"  # 1 point


@asynccontextmanager
async def live_world(monkeypatch: pytest.MonkeyPatch, **settings: object) -> AsyncIterator[World]:
    for name, value in settings.items():
        monkeypatch.setattr(get_settings(), name, value)
    app = create_app(manage_database=False)
    try:
        async with serve(app) as url, httpx2.AsyncClient(base_url=url, timeout=TIMEOUT) as client:
            yield await build_world(client)
    finally:
        budget = graphql_app(app).budget
        if budget is not None:
            await budget.close()


def ws_url(world: World) -> str:
    return str(world.alice.client.base_url).rstrip("/")


async def refusal(client: WsClient, op_id: str) -> str:
    message = await client.message(op_id)
    assert message["type"] == "error", message
    code: str = message["payload"][0]["extensions"]["code"]
    return code


async def test_costly_operations_over_websocket_are_refused(
    db: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with (
        live_world(monkeypatch) as world,
        ws_client(ws_url(world), bearer(world.alice.token)) as client,
    ):
        # A shared subscription (joins a group) and a query (runs on its own) alike.
        assert await refusal(client, await client.subscribe(COSTLY)) == "QUERY_TOO_COSTLY"
        assert await refusal(client, await client.subscribe(ALIASED_COST)) == "QUERY_TOO_COSTLY"
        # A replaying subscription runs on its own too.
        replay = COSTLY.replace("emailStatusChanged {", 'emailStatusChanged(since: "0") {')
        assert await refusal(client, await client.subscribe(replay)) == "QUERY_TOO_COSTLY"
        # Shape limits too, shared subscription or not.
        deep = (
            "subscription { emailStatusChanged { email { owner { "
            + ("team { members { " * 6 + "id" + " } }" * 6)
            + " } } } }"
        )
        assert await refusal(client, await client.subscribe(deep)) == "QUERY_TOO_DEEP"
        # The connection still works.
        ok = await client.subscribe("query { me { email } }")
        assert (await client.next(ok)) == {"me": {"email": "alice@a.example"}}


async def test_every_subscriber_pays_even_when_joining_a_shared_subscription(
    db: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with live_world(monkeypatch, query_budget=2) as world:
        async with ws_client(ws_url(world), bearer(world.alice.token)) as client:
            await client.subscribe(CHEAP)  # 1 point: starts the shared execution
            await client.subscribe(CHEAP)  # 1 point: joins it
            assert await refusal(client, await client.subscribe(CHEAP)) == "RATE_LIMITED"
        # Over SSE: 429 with Retry-After, before the stream starts.
        response = await world.alice.client.post(
            "/graphql",
            json={"query": CHEAP},
            headers={"Accept": "text/event-stream", **bearer(world.alice.token)},
        )
        assert response.status_code == 429
        assert 1 <= int(response.headers["retry-after"]) <= 60
        assert response.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        # Bob's token has its own budget.
        async with ws_client(ws_url(world), bearer(world.bob.token)) as client:
            op = await client.subscribe("query { me { email } }")
            assert (await client.next(op)) == {"me": {"email": "bob@a.example"}}


async def test_costly_subscriptions_over_sse_are_refused(
    db: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with live_world(monkeypatch) as world:
        response = await world.alice.client.post(
            "/graphql",
            json={"query": COSTLY},
            headers={"Accept": "text/event-stream", **bearer(world.alice.token)},
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"


async def test_deeply_nested_json_over_websocket_closes_that_socket_only(
    db: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with live_world(monkeypatch) as world:
        url = ws_url(world).replace("http://", "ws://") + "/graphql"
        async with connect(url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
            await socket.send("[" * 100_000 + "]" * 100_000)
            with pytest.raises(ConnectionClosed) as closed:
                async with asyncio.timeout(TIMEOUT):
                    await socket.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400
        assert (await world.alice.client.get("/healthz")).json() == {"status": "ok"}
