"""A dashboard that never gives up: one `emailStatusChanged` subscription over graphql-transport-ws
that, whenever its stream ends (the API process restarted, the server ended the stream because it
may have missed changes), reconnects and resumes with `since: <last cursor seen>`, as the README
tells clients to."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

SUBSCRIPTION = """subscription($since: String) {
  emailStatusChanged(since: $since) { cursor emailId kind previousStatus newStatus }
}"""
RECONNECT_WITHIN = 90.0  # seconds an API may stay away before the subscriber gives up


@dataclass(frozen=True)
class Seen:
    cursor: int
    email_id: str
    previous_status: str | None
    new_status: str | None


@dataclass
class Subscriber:
    base_url: str
    token: str
    seen: list[Seen] = field(default_factory=list)
    connections: int = 0
    resumed_with: list[int] = field(default_factory=list)  # the `since` of every resumption
    ended_by_server: list[str] = field(default_factory=list)  # why streams ended, in order
    repeated: int = 0  # changes sent again after a resumption (dropped, see _record)
    _cursors: set[int] = field(default_factory=set)
    _task: asyncio.Task[None] | None = None
    _away_since: float | None = None

    @property
    def last_cursor(self) -> int | None:
        return self.seen[-1].cursor if self.seen else None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="scale-subscriber")

    async def stop(self) -> None:
        assert self._task is not None
        if self._task.done():
            self._task.result()  # surface a failure
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    def failed(self) -> BaseException | None:
        if self._task is not None and self._task.done() and not self._task.cancelled():
            return self._task.exception()
        return None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                await self._one_connection()
            except (OSError, ConnectionClosed, InvalidHandshake, TimeoutError) as error:
                self.ended_by_server.append(f"connection: {type(error).__name__}")
            self._away_since = self._away_since or loop.time()
            if loop.time() - self._away_since > RECONNECT_WITHIN:
                raise AssertionError(f"the API stayed unreachable for {RECONNECT_WITHIN}s")
            await asyncio.sleep(0.2)

    async def _one_connection(self) -> None:
        url = self.base_url.replace("http://", "ws://") + "/graphql"
        async with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=10) as ws:  # type: ignore[list-item]
            init = {"Authorization": f"Bearer {self.token}"}
            await ws.send(json.dumps({"type": "connection_init", "payload": init}))
            ack = json.loads(await ws.recv())
            assert ack["type"] == "connection_ack", ack
            self.connections += 1
            self._away_since = None
            since = self.last_cursor
            if self.connections > 1 and since is not None:
                self.resumed_with.append(since)
            variables = {"since": None if since is None else str(since)}
            payload = {"query": SUBSCRIPTION, "variables": variables}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            while True:
                message: dict[str, Any] = json.loads(await ws.recv())
                kind = message["type"]
                if kind == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                elif kind == "next" and "errors" not in message["payload"]:
                    self._record(message["payload"]["data"]["emailStatusChanged"])
                elif kind in ("next", "error", "complete"):
                    # The server ended this stream: resume from the last cursor on a new one.
                    self.ended_by_server.append(json.dumps(message)[:300])
                    return

    def _record(self, change: dict[str, Any]) -> None:
        cursor = int(change["cursor"])
        if cursor in self._cursors:
            # Several processes commit and publish: changes arrive slightly out of cursor order,
            # so `since: <last cursor seen>` may send again one that arrived early. A client
            # drops cursors it has seen.
            self.repeated += 1
            return
        self._cursors.add(cursor)
        self.seen.append(
            Seen(
                cursor,
                change["emailId"],
                change["previousStatus"],
                change["newStatus"],
            )
        )

    def by_email(self) -> dict[str, list[int]]:
        """Cursors seen per email, in the order they arrived."""
        out: dict[str, list[int]] = {}
        for seen in self.seen:
            out.setdefault(seen.email_id, []).append(seen.cursor)
        return out
