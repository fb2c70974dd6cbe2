"""Redis pub/sub bus: every API and worker process publishes to one channel; API processes listen.

Pub/sub is fire-and-forget: a process that is disconnected for a while misses events. That is
acceptable because the EmailEvent table is the source of truth and subscribers catch up with
`since:`. A process hears its own events back through Redis (never delivered locally twice), so
all processes see one order.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from contextlib import suppress
from typing import Any

import redis.asyncio as aioredis

from events.bus import Change, EventBus, change_from_json

log = logging.getLogger(__name__)

RETRY_SECONDS = 1.0


class RedisBus(EventBus):
    def __init__(self, url: str, channel: str, *, listen: bool = True) -> None:
        super().__init__()
        self.url = url
        self.channel = channel
        self._listen = listen
        self._client: aioredis.Redis | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._client = aioredis.Redis.from_url(self.url)
        if self._listen:
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            # Subscribed before start() returns: nothing published afterwards is missed.
            await pubsub.subscribe(self.channel)
            self._reader = asyncio.create_task(self._read(pubsub), name="redis-events")

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def ping(self) -> None:
        if self._client is None:
            raise RuntimeError("RedisBus.ping before start()")
        await self._client.ping()
        if self._reader is not None and self._reader.done():
            raise RuntimeError("the Redis subscription reader has stopped")

    async def publish(self, changes: Sequence[Change]) -> None:
        if not changes:
            return
        if self._client is None:
            raise RuntimeError("RedisBus.publish before start()")
        await self._client.publish(self.channel, json.dumps([c.to_json() for c in changes]))

    async def _read(self, pubsub: Any) -> None:
        try:
            while True:
                try:
                    message = await pubsub.get_message(timeout=None)
                except (ConnectionError, OSError, aioredis.RedisError):
                    # redis-py reconnects and re-subscribes on the next call; events published in
                    # between are lost here and recovered by clients through `since:`.
                    log.warning("Redis events connection lost; retrying", exc_info=True)
                    await asyncio.sleep(RETRY_SECONDS)
                    continue
                if message is None or message.get("type") != "message":
                    continue
                try:
                    changes = [change_from_json(item) for item in json.loads(message["data"])]
                except (ValueError, KeyError, TypeError):
                    log.warning("ignoring a malformed events message", exc_info=True)
                    continue
                self.deliver(changes)
        finally:
            with suppress(Exception):
                await pubsub.aclose()
