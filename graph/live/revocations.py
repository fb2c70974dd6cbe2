"""Closing a revoked token's live connections (WebSockets, SSE streams) in this process.

Revoking publishes a `TokenRevoked` message on the event bus (models/teams/revocations.py); every
API process hears it — in memory, or through Redis from any other process — and closes the
token's connections at once. Pub/sub is fire-and-forget, and the embedded set-up's in-memory bus
cannot hear a `command-center revoke-token` run in another process, so every
`CC_TOKEN_RECHECK_SECONDS` the process also reads which of its watched tokens are revoked (one
query) and closes those.

A connection that authenticated just before a revocation but registers here just after its
message is caught by the set of recently revoked ids.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import TypeVar, cast

from config.settings import get_settings
from events import Change, EventBus, TokenRevoked, current_bus
from models.teams.tables import ApiToken

log = logging.getLogger(__name__)

Closer = Callable[[], Awaitable[None]]
RECENT = 4096  # revoked ids remembered for connections registering late


class Revocations:
    def __init__(self, bus: EventBus) -> None:
        self.bus = bus
        self._closers: dict[int, set[Closer]] = {}
        self._recent: OrderedDict[int, None] = OrderedDict()
        self._sweeper: asyncio.Task[None] | None = None
        self._stop = bus.listen(self._on_changes)

    def close(self) -> None:
        self._stop()
        self._closers.clear()
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None

    @property
    def watched(self) -> int:
        return sum(len(closers) for closers in self._closers.values())

    @contextmanager
    def watch(self, token_id: int, closer: Closer) -> Iterator[None]:
        """Run `closer` (once) when token `token_id` is revoked, while inside the block."""
        if token_id in self._recent:
            self._spawn(closer)
        self._closers.setdefault(token_id, set()).add(closer)
        self._ensure_sweeper()
        try:
            yield
        finally:
            closers = self._closers.get(token_id)
            if closers is not None:
                closers.discard(closer)
                if not closers:
                    del self._closers[token_id]
            if not self._closers and self._sweeper is not None:
                self._sweeper.cancel()  # nothing left to watch: no task outlives the connections
                self._sweeper = None

    def revoked(self, token_ids: Sequence[int]) -> None:
        for token_id in token_ids:
            self._recent[token_id] = None
            self._recent.move_to_end(token_id)
            for closer in self._closers.pop(token_id, set()):
                self._spawn(closer)
        while len(self._recent) > RECENT:
            self._recent.popitem(last=False)

    def _on_changes(self, changes: Sequence[Change]) -> None:
        ids = [c.token_id for c in changes if isinstance(c, TokenRevoked)]
        if ids:
            self.revoked(ids)

    def _spawn(self, closer: Closer) -> None:
        task = asyncio.ensure_future(closer())
        task.add_done_callback(_log_failure)

    def _ensure_sweeper(self) -> None:
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = asyncio.ensure_future(self._sweep())

    async def _sweep(self) -> None:
        interval = get_settings().token_recheck_seconds
        while self._closers:
            await asyncio.sleep(interval)
            ids = list(self._closers)
            if not ids:
                break
            try:
                gone = await ApiToken.filter(id__in=ids, revoked_at__isnull=False).values_list(
                    "id", flat=True
                )
                found = cast(list[int], gone)
            except Exception:  # the database is away: try again next round
                log.warning("could not re-check revoked tokens", exc_info=True)
                continue
            if found:
                self.revoked(found)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("closing a revoked token's connection failed", exc_info=task.exception())


_registries: dict[int, Revocations] = {}


def get_revocations() -> Revocations:
    """The registry of the process's current bus (created on first use)."""
    bus = current_bus()
    registry = _registries.get(id(bus))
    if registry is None or registry.bus is not bus:
        for stale in _registries.values():
            stale.close()
        _registries.clear()
        registry = _registries[id(bus)] = Revocations(bus)
    return registry


T = TypeVar("T")


async def until_revoked(
    stream: AsyncGenerator[T, None], token_id: int | None, last: Callable[[], T]
) -> AsyncGenerator[T, None]:
    """The items of `stream` until token `token_id` is revoked; then `last()`, and the end."""
    if token_id is None:
        async for item in stream:
            yield item
        return
    revoked = asyncio.Event()

    async def close() -> None:
        revoked.set()

    waiter = asyncio.ensure_future(revoked.wait())
    step: asyncio.Future[T] | None = None
    try:
        with get_revocations().watch(token_id, close):
            while True:
                step = asyncio.ensure_future(anext(stream))
                await asyncio.wait({step, waiter}, return_when=asyncio.FIRST_COMPLETED)
                if not step.done():
                    yield last()
                    return
                try:
                    item = step.result()
                except StopAsyncIteration:
                    return
                yield item
    finally:
        waiter.cancel()
        if step is not None and not step.done():
            # The source is mid-step (revoked, or this stream is being closed): stop that step
            # before closing the source, which cannot close while it runs.
            step.cancel()
            with suppress(asyncio.CancelledError, StopAsyncIteration):
                await step
        await stream.aclose()
