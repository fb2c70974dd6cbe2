"""Real clients for live updates: a uvicorn server on a loopback port, graphql-transport-ws over
the `websockets` library, and SSE over httpx2 streaming. Every wait is bounded."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import httpx2
import uvicorn
from starlette.types import ASGIApp
from websockets.asyncio.client import ClientConnection, connect

from graph.relay import decode_id
from models.base import clock
from models.emails import transitions
from models.emails.state_machine import Action
from models.emails.tables import Email

TIMEOUT = 10.0  # generous upper bound for anything that should take milliseconds

CHANGE_FIELDS = "cursor emailId kind previousStatus newStatus folder occurredAt email { id status }"
STATUS_CHANGED = f"""subscription($filter: EmailChangeFilter, $since: String) {{
  emailStatusChanged(filter: $filter, since: $since) {{ {CHANGE_FIELDS} }}
}}"""
COUNTS_CHANGED = """subscription($viewAs: ID) {
  folderCountsChanged(viewAs: $viewAs) { sent pending undelivered total scheduled drafts }
}"""


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # leave pytest's signal handlers alone


@contextlib.asynccontextmanager
async def serve(app: ASGIApp) -> AsyncIterator[str]:
    """Serve `app` with uvicorn on this event loop (so it shares the test's database); yields the
    base URL."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        lifespan="on",
        log_level="warning",
        timeout_graceful_shutdown=2,
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(TIMEOUT):
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        async with asyncio.timeout(TIMEOUT):
            await task


async def deliver(email_id: str) -> None:
    """What the sender does to a due email: claim it, then record the delivery.

    The SMTP pipeline (issue 3) drives the same state machine; swap this for its actor when merged.
    """
    pk = decode_id(email_id, "Email")
    assert pk is not None
    email = await Email.get(id=pk)
    lease = clock.now() + timedelta(minutes=10)
    changes = {"sent_at": clock.now(), "lease_expires_at": lease}
    claimed = await transitions.apply(email, Action.CLAIM, None, changes=changes)
    assert claimed is not None
    await transitions.apply(
        claimed, Action.MARK_DELIVERED, None, changes={"delivered_at": clock.now()}
    )


class WsClient:
    """A graphql-transport-ws client."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self._next_id = 0
        self._pending: dict[str, list[dict[str, Any]]] = {}

    async def send(self, message: dict[str, Any]) -> None:
        await self.socket.send(json.dumps(message))

    async def receive(self) -> dict[str, Any]:
        async with asyncio.timeout(TIMEOUT):
            while True:
                frame = await self.socket.recv()
                # graphql-transport-ws is text frames: browser and Node clients ignore binary.
                assert isinstance(frame, str), f"a binary frame: {frame!r}"
                message: dict[str, Any] = json.loads(frame)
                if message["type"] == "ping":
                    await self.send({"type": "pong"})
                    continue
                return message

    async def subscribe(self, query: str, **variables: Any) -> str:
        self._next_id += 1
        op_id = str(self._next_id)
        payload = {"query": query, "variables": variables}
        await self.send({"id": op_id, "type": "subscribe", "payload": payload})
        return op_id

    async def message(self, op_id: str) -> dict[str, Any]:
        """The next message of operation `op_id`; others' messages wait for their reader."""
        pending = self._pending.setdefault(op_id, [])
        while not pending:
            message = await self.receive()
            self._pending.setdefault(str(message.get("id")), []).append(message)
        return pending.pop(0)

    async def next(self, op_id: str) -> dict[str, Any]:
        """The data of the next `next` message for `op_id` (fails on error/complete)."""
        message = await self.message(op_id)
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message["payload"]
        data: dict[str, Any] = message["payload"]["data"]
        return data


@contextlib.asynccontextmanager
async def ws_client(base_url: str, init: dict[str, Any] | None) -> AsyncIterator[WsClient]:
    """Connected and acknowledged (`init` is the connection_init payload)."""
    url = base_url.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=TIMEOUT) as socket:  # type: ignore[list-item]
        client = WsClient(socket)
        await client.send({"type": "connection_init", "payload": init or {}})
        ack = await client.receive()
        assert ack["type"] == "connection_ack", ack
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class SseStream:
    """The `next` events of one GraphQL-over-SSE response."""

    def __init__(self, response: httpx2.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def next(self) -> dict[str, Any]:
        event = None
        async with asyncio.timeout(TIMEOUT):
            async for line in self._lines:
                if line.startswith("event:"):
                    event = line.partition(":")[2].strip()
                elif line.startswith("data:") and event == "next":
                    payload: dict[str, Any] = json.loads(line.partition(":")[2])
                    assert "errors" not in payload, payload
                    data: dict[str, Any] = payload["data"]
                    return data
                elif line.startswith("data:") and event == "complete":
                    raise AssertionError("the stream completed")
        raise AssertionError("the stream ended")


@contextlib.asynccontextmanager
async def sse(
    client: httpx2.AsyncClient, token: str | None, query: str, **variables: Any
) -> AsyncIterator[SseStream]:
    headers = {"Accept": "text/event-stream", **(bearer(token) if token else {})}
    body = {"query": query, "variables": variables}
    async with client.stream("POST", "/graphql", json=body, headers=headers) as response:
        yield SseStream(response)


async def feeds_open(count: int) -> None:
    """Wait until this process's dispatcher has `count` open feeds (subscriptions are live).

    graphql-transport-ws has no "subscribed" acknowledgement; in-process servers expose this.
    """
    from graph.live.dispatcher import get_dispatcher

    async with asyncio.timeout(TIMEOUT):
        while get_dispatcher().feed_count < count:  # noqa: ASYNC110 - polling another task's state
            await asyncio.sleep(0.01)
