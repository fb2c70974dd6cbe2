"""Revoking a token closes its live connections: its WebSockets (4403) and SSE streams, through a
real uvicorn server; other tokens' connections stay open. Also the periodic re-check that catches
a revocation the bus never carried (another process on the in-memory bus)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx2
import pytest
from websockets.exceptions import ConnectionClosed

from config.settings import get_settings
from graph.live.revocations import get_revocations
from models.base import clock
from models.teams.tables import ApiToken
from tests.api import Api, World
from tests.live_clients import (
    STATUS_CHANGED,
    TIMEOUT,
    SseStream,
    WsClient,
    bearer,
    feeds_open,
    sse,
    ws_client,
)


async def second_token(api: Api, label: str) -> tuple[str, str]:
    payload = await api.mutate("createToken", {"label": label}, "token { id } secret")
    assert payload["userErrors"] == []
    return payload["token"]["id"], payload["secret"]


async def close_code(ws: WsClient) -> int:
    """The code the server closes the socket with (a bounded wait)."""

    async def drain() -> None:
        async with asyncio.timeout(TIMEOUT):
            while True:
                await ws.socket.recv()

    with pytest.raises(ConnectionClosed) as closed:
        await drain()
    received = closed.value.rcvd
    assert received is not None
    return received.code


async def sse_ending(stream: SseStream) -> list[dict[str, Any]]:
    """The events of an SSE stream until it ends (a bounded wait)."""
    events: list[dict[str, Any]] = []
    event = None
    async with asyncio.timeout(TIMEOUT):
        async for line in stream._lines:  # where stream.next() left off
            if line.startswith("event:"):
                event = line.partition(":")[2].strip()
            elif line.startswith("data:"):
                events.append({"event": event, "data": line.partition(":")[2].strip()})
    return events


async def watched(count: int) -> None:
    async with asyncio.timeout(TIMEOUT):
        while get_revocations().watched < count:  # noqa: ASYNC110 - another task's state
            await asyncio.sleep(0.01)


async def test_revoking_closes_that_tokens_websockets_and_sse_streams(
    live: World, server: str
) -> None:
    alice = live.alice
    token_id, secret = await second_token(alice, "dashboard")
    async with (
        httpx2.AsyncClient(base_url=server, timeout=TIMEOUT) as client,
        ws_client(server, bearer(secret)) as doomed,
        ws_client(server, bearer(alice.token)) as kept,
        sse(client, secret, STATUS_CHANGED) as stream,
    ):
        await doomed.subscribe(STATUS_CHANGED)
        kept_op = await kept.subscribe(STATUS_CHANGED)
        await watched(3)  # identical subscriptions of one user share one feed
        await feeds_open(1)

        revoked = await alice.mutate("revokeToken", {"id": token_id}, "token { revokedAt }")
        assert revoked["userErrors"] == []

        assert await close_code(doomed) == 4403
        events = await sse_ending(stream)
        assert events[0]["event"] == "next"
        assert '"code":"UNAUTHENTICATED"' in events[0]["data"].replace(" ", "")
        assert events[-1]["event"] == "complete"

        # The other token's socket is untouched and still hears changes.
        draft = await alice.create_draft(subject="still live")
        assert (await kept.next(kept_op))["emailStatusChanged"]["emailId"] == draft["id"]
        # And the revoked token cannot come back.
        with pytest.raises(ConnectionClosed) as refused:
            async with ws_client(server, bearer(secret)):
                pass
        assert refused.value.rcvd is not None and refused.value.rcvd.code == 4403
    assert get_revocations().watched == 0


async def test_a_revocation_the_bus_never_carried_is_caught_by_the_recheck(
    live: World, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CC_TOKEN_RECHECK_SECONDS", "0.1")
    get_settings.cache_clear()
    try:
        token_id, secret = await second_token(live.alice, "elsewhere")
        async with ws_client(server, bearer(secret)) as ws:
            await ws.subscribe(STATUS_CHANGED)
            await watched(1)
            # What `command-center revoke-token` does from another process on the in-memory
            # bus: only the database knows.
            pk = int((await ApiToken.get(label="elsewhere")).id)
            await ApiToken.filter(id=pk).update(revoked_at=clock.now())
            assert await close_code(ws) == 4403
        assert token_id
    finally:
        get_settings.cache_clear()
