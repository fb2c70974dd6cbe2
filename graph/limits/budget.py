"""The per-token query budget: cost points per minute, in fixed one-minute windows.

A window starts on each whole minute (UTC epoch); a token may spend CC_QUERY_BUDGET points in it.
An operation that would go over is refused whole and charges nothing; the client learns when the
window resets (`Retry-After`). Penalties (documents refused before they ran) take what is left
instead of being refused, so a flood of them empties the window. Fixed windows are what GitHub's
`rateLimit { resetAt }` does: one counter per token and window, atomic, cheap to share.

Two stores, one behaviour:
- in-process (`MemoryBudget`): one API process, or no Redis configured;
- Redis (`RedisBudget`): every API process on the same Redis shares the budget. One Lua script
  checks and charges atomically, so concurrent requests on several processes cannot overspend.
  If Redis is unreachable the request is let through (logged): the database and per-request cost
  limit still protect the server, and an outage of a counter must not take the API down with it.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as aioredis

from config.settings import get_settings

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60
Clock = Callable[[], float]


@dataclass(frozen=True)
class Spend:
    allowed: bool
    limit: int
    remaining: int  # after this operation (or unchanged when refused)
    reset_at: float  # epoch seconds when the window ends

    def retry_after(self, now: float) -> int:
        return max(1, math.ceil(self.reset_at - now))


class QueryBudget(Protocol):
    limit: int
    clock: Clock

    async def spend(self, key: str, cost: int, *, whole: bool = True) -> Spend:
        """Charge `cost`. whole=True: all of it or nothing (refused when it does not fit);
        whole=False: as much as is left (a penalty: never refused)."""
        ...

    async def left(self, key: str) -> Spend:
        """The window's state without charging; not allowed once nothing is left."""
        ...

    async def close(self) -> None: ...


def token_key(token: str) -> str:
    """Budgets are kept per token, under a hash (the token itself is a secret)."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def _window(now: float) -> int:
    return int(now // WINDOW_SECONDS)


class MemoryBudget:
    def __init__(self, limit: int, *, clock: Clock = time.time) -> None:
        self.limit, self.clock = limit, clock
        self._used: dict[str, tuple[int, int]] = {}  # key -> (window, points used)

    async def spend(self, key: str, cost: int, *, whole: bool = True) -> Spend:
        window, used, reset_at = self._current(key)
        if whole and used + cost > self.limit:
            return Spend(False, self.limit, self.limit - used, reset_at)
        used = min(self.limit, used + cost)
        self._used[key] = (window, used)
        return Spend(True, self.limit, self.limit - used, reset_at)

    async def left(self, key: str) -> Spend:
        _, used, reset_at = self._current(key)
        return Spend(used < self.limit, self.limit, self.limit - used, reset_at)

    def _current(self, key: str) -> tuple[int, int, float]:
        window = _window(self.clock())
        if len(self._used) > 10_000:  # forget finished windows now and then
            self._used = {k: v for k, v in self._used.items() if v[0] == window}
        seen, used = self._used.get(key, (window, 0))
        return window, used if seen == window else 0, float((window + 1) * WINDOW_SECONDS)

    async def close(self) -> None:
        return None


# KEYS[1]: the window's counter. ARGV: cost, limit, seconds to keep the key, 1 = whole or nothing.
# Returns {1 if charged else 0, points used after}.
_SPEND = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local cost = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
if used + cost > limit then
  if ARGV[4] == '1' then
    return {0, used}
  end
  cost = limit - used
end
if cost > 0 then
  used = redis.call('INCRBY', KEYS[1], cost)
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
end
return {1, used}
"""


class RedisBudget:
    def __init__(self, url: str, limit: int, *, prefix: str, clock: Clock = time.time) -> None:
        self.url, self.limit, self.prefix, self.clock = url, limit, prefix, clock
        self._client: aioredis.Redis | None = None

    async def spend(self, key: str, cost: int, *, whole: bool = True) -> Spend:
        window, reset_at = self._window()
        try:
            charged, used = await self._redis().eval(  # type: ignore[misc]
                _SPEND,
                1,
                f"{self.prefix}{key}:{window}",
                cost,
                self.limit,
                2 * WINDOW_SECONDS,
                int(whole),
            )
        except (aioredis.RedisError, OSError) as error:
            log.warning("query budget not checked, Redis unavailable: %s", error)
            return Spend(True, self.limit, self.limit, reset_at)
        return Spend(bool(charged), self.limit, self.limit - int(used), reset_at)

    async def left(self, key: str) -> Spend:
        window, reset_at = self._window()
        try:
            used = int(await self._redis().get(f"{self.prefix}{key}:{window}") or 0)
        except (aioredis.RedisError, OSError) as error:
            log.warning("query budget not checked, Redis unavailable: %s", error)
            used = 0
        return Spend(used < self.limit, self.limit, self.limit - used, reset_at)

    def _window(self) -> tuple[int, float]:
        window = _window(self.clock())
        return window, float((window + 1) * WINDOW_SECONDS)

    def _redis(self) -> aioredis.Redis:
        if self._client is None:
            # Created on first use, in the serving event loop.
            self._client = aioredis.Redis.from_url(self.url)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _redis(url: str) -> bool:
    return url.startswith(("redis://", "rediss://", "unix://"))


def create_budget(url: str | None = None, limit: int | None = None) -> QueryBudget | None:
    """The store for this process's settings; None when budgets are off (CC_QUERY_BUDGET=0)."""
    settings = get_settings()
    limit = settings.query_budget if limit is None else limit
    if limit <= 0:
        return None
    if url is None:
        url = settings.query_budget_url or next(
            (u for u in (settings.events_url, settings.broker_url) if _redis(u)), ""
        )
    if not url or url.startswith("memory:"):
        return MemoryBudget(limit)
    if _redis(url):
        return RedisBudget(url, limit, prefix=f"{settings.broker_namespace}:query-budget:")
    raise ValueError(f"CC_QUERY_BUDGET_URL must be empty, memory:// or redis://…, not {url!r}")
