"""Where automatically persisted queries are kept: bounded, least recently used dropped first.

In-process by default; with CC_PERSISTED_QUERIES_URL=redis://… every API process shares one store,
so a client that registered a query on one process can send only its hash to another.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Protocol

import redis.asyncio as aioredis

from config.settings import Settings


class QueryStore(Protocol):
    async def get(self, digest: str) -> str | None: ...

    async def put(self, digest: str, query: str) -> None: ...


class MemoryStore:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._queries: OrderedDict[str, str] = OrderedDict()

    async def get(self, digest: str) -> str | None:
        query = self._queries.get(digest)
        if query is not None:
            self._queries.move_to_end(digest)
        return query

    async def put(self, digest: str, query: str) -> None:
        self._queries[digest] = query
        self._queries.move_to_end(digest)
        while len(self._queries) > self.capacity:
            self._queries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._queries)


# Store the query and its last use, then drop the least recently used beyond the capacity, in one
# atomic step (several processes write at once).
_PUT = """
local now = redis.call('TIME')
redis.call('SET', KEYS[1] .. ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], now[1] + now[2] / 1000000, ARGV[1])
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[3])
if excess > 0 then
  local old = redis.call('ZRANGE', KEYS[2], 0, excess - 1)
  for _, digest in ipairs(old) do redis.call('DEL', KEYS[1] .. digest) end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, excess - 1)
end
return excess
"""
_GET = """
local query = redis.call('GET', KEYS[1] .. ARGV[1])
if query then
  local now = redis.call('TIME')
  redis.call('ZADD', KEYS[2], now[1] + now[2] / 1000000, ARGV[1])
end
return query
"""


class RedisStore:
    def __init__(self, url: str, prefix: str, capacity: int) -> None:
        self.capacity = capacity
        self._queries = f"{prefix}:q:"
        self._recency = f"{prefix}:lru"
        self._client: aioredis.Redis | None = None
        self._url = url

    def _redis(self) -> aioredis.Redis:
        # Opened on first use, inside the serving event loop.
        if self._client is None:
            self._client = aioredis.Redis.from_url(self._url, decode_responses=True)
        return self._client

    async def get(self, digest: str) -> str | None:
        keys = [self._queries, self._recency]
        query = await self._redis().eval(_GET, 2, *keys, digest)  # type: ignore[misc]
        return query if isinstance(query, str) else None

    async def put(self, digest: str, query: str) -> None:
        keys = [self._queries, self._recency]
        await self._redis().eval(_PUT, 2, *keys, digest, query, self.capacity)  # type: ignore[misc]

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def open_store(settings: Settings) -> MemoryStore | RedisStore:
    url = settings.persisted_queries_url
    if not url:
        return MemoryStore(settings.persisted_queries_max)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(url, settings.persisted_queries_prefix, settings.persisted_queries_max)
    raise ValueError(f"CC_PERSISTED_QUERIES_URL must be empty or redis://…, not {url!r}")
