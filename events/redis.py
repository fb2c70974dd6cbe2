"""Redis pub/sub bus: every API and worker process publishes to one channel; API processes listen.

Pub/sub is fire-and-forget: a process that is disconnected for a while misses events. The
EmailEvent table is the source of truth: once subscribed again the bus reports a gap
(`EventBus.gap`), and live streams read what they missed from the table; a client that was itself
disconnected catches up with `since:`. A process hears its own events back through Redis (never
delivered locally twice), so all processes see one order.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from contextlib import suppress
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

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
        self._listener: aioredis.Redis | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._client = aioredis.Redis.from_url(self.url)
        if self._listen:
            # Its own connection, never retried in place: redis-py would otherwise reconnect and
            # re-subscribe inside get_message, and the gap in between would go unnoticed.
            self._listener = aioredis.Redis.from_url(self.url, retry=Retry(NoBackoff(), 0))
            pubsub = self._listener.pubsub(ignore_subscribe_messages=True)
            # Subscribed before start() returns: nothing published afterwards is missed.
            await pubsub.subscribe(self.channel)
            self._reader = asyncio.create_task(self._read(pubsub), name="redis-events")

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        for client in (self._client, self._listener):
            if client is not None:
                await client.aclose()
        self._client = self._listener = None

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
        message = json.dumps([c.to_json() for c in changes])
        try:
            await self._client.publish(self.channel, message)
        except aioredis.ConnectionError:
            # A pooled connection from before a Redis restart fails once, and listeners that
            # already subscribed again would never know this change was lost: one more try, on
            # a new connection.
            await self._client.publish(self.channel, message)

    async def _read(self, pubsub: Any) -> None:
        try:
            while True:
                try:
                    await self._pump(pubsub)
                except (ConnectionError, OSError, aioredis.RedisError):
                    log.warning("Redis events connection lost; reconnecting", exc_info=True)
                with suppress(Exception):
                    await pubsub.aclose()
                pubsub = await self._resubscribe()
                # Subscribed again: whatever was published in between is lost here. Listeners
                # read it from the EmailEvent table (live streams replay from their last cursor).
                self.gap()
        finally:
            with suppress(Exception):
                await pubsub.aclose()

    async def _resubscribe(self) -> Any:
        """A fresh subscription, retried every RETRY_SECONDS until Redis answers."""
        assert self._listener is not None
        while True:
            await asyncio.sleep(RETRY_SECONDS)
            pubsub = self._listener.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                return pubsub
            except (ConnectionError, OSError, aioredis.RedisError):
                with suppress(Exception):
                    await pubsub.aclose()

    async def _pump(self, pubsub: Any) -> None:
        """Deliver messages until the connection fails (raises)."""
        while True:
            message = await pubsub.get_message(timeout=None)
            if message is None or message.get("type") != "message":
                continue
            try:
                changes = [change_from_json(item) for item in json.loads(message["data"])]
            except (ValueError, KeyError, TypeError):
                log.warning("ignoring a malformed events message", exc_info=True)
                continue
            self.deliver(changes)
