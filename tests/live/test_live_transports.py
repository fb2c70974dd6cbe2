"""Subscriptions through real transports: graphql-transport-ws and SSE on a uvicorn server."""

from __future__ import annotations

import asyncio
import json

import httpx2
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.api import World
from tests.live_clients import (
    STATUS_CHANGED,
    TIMEOUT,
    bearer,
    deliver,
    feeds_open,
    sse,
    ws_client,
)

SEND = "email { id status }"
JOURNEY = [
    (None, "DRAFT"),
    ("DRAFT", "SCHEDULED"),
    ("SCHEDULED", "IN_PROGRESS"),
    ("IN_PROGRESS", "DELIVERED"),
]


async def compose_and_send(world: World, subject: str = "Live") -> str:
    """Compose a draft, send it now, and let the sender deliver it."""
    draft = await world.alice.create_draft(subject=subject)
    payload = await world.alice.mutate("sendEmailNow", {"id": draft["id"]}, SEND)
    assert payload["email"]["status"] == "SCHEDULED"
    await deliver(draft["id"])
    return str(draft["id"])


def steps(changes: list[dict]) -> list[tuple[str | None, str | None]]:
    return [(c["previousStatus"], c["newStatus"]) for c in changes]


async def test_websocket_receives_the_journey_in_order(live: World, server: str) -> None:
    async with ws_client(server, bearer(live.alice.token)) as ws:
        everything = await ws.subscribe(STATUS_CHANGED)
        sent_folder = await ws.subscribe(STATUS_CHANGED, filter={"folder": "SENT"})
        await feeds_open(2)
        email_id = await compose_and_send(live)
        changes = [(await ws.next(everything))["emailStatusChanged"] for _ in JOURNEY]
        delivered = (await ws.next(sent_folder))["emailStatusChanged"]
    assert steps(changes) == JOURNEY
    assert {c["emailId"] for c in changes} == {email_id}
    cursors = [int(c["cursor"]) for c in changes]
    assert cursors == sorted(cursors) and len(set(cursors)) == 4
    assert [c["folder"] for c in changes] == ["PENDING", "PENDING", "PENDING", "SENT"]
    assert changes[-1]["email"] == {"id": email_id, "status": "DELIVERED"}
    assert steps([delivered]) == [("IN_PROGRESS", "DELIVERED")]


async def test_sse_receives_the_journey_in_order(live: World, server: str) -> None:
    async with (
        httpx2.AsyncClient(base_url=server, timeout=TIMEOUT) as client,
        sse(client, live.alice.token, STATUS_CHANGED) as stream,
    ):
        assert stream.response.status_code == 200
        assert stream.response.headers["content-type"].startswith("text/event-stream")
        await feeds_open(1)
        email_id = await compose_and_send(live)
        changes = [(await stream.next())["emailStatusChanged"] for _ in JOURNEY]
    assert steps(changes) == JOURNEY
    assert changes[-1]["email"] == {"id": email_id, "status": "DELIVERED"}


@pytest.mark.parametrize(
    "init",
    [
        {},
        {"Authorization": "Bearer cc_not-a-token"},
        {"authorization": "Basic dXNlcjpwYXNz"},
        {"token": "nope"},
    ],
)
async def test_websocket_bad_token_closes_with_4403(live: World, server: str, init: dict) -> None:
    url = server.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=TIMEOUT) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init", "payload": init}))
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(TIMEOUT):
                await socket.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_websocket_token_keys(live: World, server: str) -> None:
    for init in (
        {"authorization": f"Bearer {live.bob.token}"},
        {"token": live.bob.token},
    ):
        async with ws_client(server, init) as ws:
            op = await ws.subscribe("subscription { folderCountsChanged { total } }")
            assert (await ws.next(op))["folderCountsChanged"] == {"total": 0}


async def test_sse_without_or_with_a_bad_token_is_401(live: World, server: str) -> None:
    async with httpx2.AsyncClient(base_url=server, timeout=TIMEOUT) as client:
        for token in (None, "cc_not-a-token"):
            async with sse(client, token, STATUS_CHANGED) as stream:
                assert stream.response.status_code == 401
                body = await stream.response.aread()
                assert b"UNAUTHENTICATED" in body
