"""One listener on the bus per process, fanning changes out to the open subscription feeds.

Email changes go to email feeds, task changes to task feeds, relay state changes to relay feeds:
a subscriber only ever sees its kind.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Generic, TypeVar

from events import Change, EmailChange, EventBus, TaskChange, current_bus
from models.emails.tables import Email
from models.sending.relay_changes import RelayChanged

FEED_LIMIT = 10_000  # changes a feed may hold before it is dropped as too slow
ROW_MEMO = 2048  # recent changes whose email row is kept for late readers


class FeedOverflow(Exception):
    """The subscriber fell too far behind; it should reconnect with `since:`."""


class FeedGap(Exception):
    """The bus lost its connection and is listening again: changes published in between were
    not heard. Raised once, by feeds opened with `gaps=True`; the feed goes on afterwards."""


C = TypeVar("C", EmailChange, TaskChange, RelayChanged)


class Feed(Generic[C]):
    """The changes published since the feed was opened, in bus order."""

    def __init__(self, *, gaps: bool = False) -> None:
        self._queue: asyncio.Queue[C | None] = asyncio.Queue()  # None: a gap
        self.overflowed = False
        self.gaps = gaps  # whether the reader wants FeedGap (it can read the table)

    def push(self, changes: Sequence[C]) -> None:
        if self.overflowed:
            return
        if self._queue.qsize() + len(changes) > FEED_LIMIT:
            self.overflowed = True
            # Wake the reader so it sees the overflow instead of waiting forever.
            self._queue.put_nowait(changes[0])
            return
        for change in changes:
            self._queue.put_nowait(change)

    def push_gap(self) -> None:
        if self.gaps and not self.overflowed:
            self._queue.put_nowait(None)

    async def get(self) -> C:
        change = await self._queue.get()
        if self.overflowed:
            raise FeedOverflow
        if change is None:
            raise FeedGap
        return change

    def pending(self) -> list[C]:
        """Take what is already buffered, without waiting (a gap is skipped: only feeds opened
        with `gaps=True` have them, and those are read with `get`)."""
        items: list[C] = []
        while not self._queue.empty():
            if (item := self._queue.get_nowait()) is not None:
                items.append(item)
        if self.overflowed:
            raise FeedOverflow
        return items


class Dispatcher:
    def __init__(self, bus: EventBus) -> None:
        self.bus = bus
        self._feeds: set[Feed[EmailChange]] = set()
        self._task_feeds: set[Feed[TaskChange]] = set()
        self._relay_feeds: set[Feed[RelayChanged]] = set()
        self._rows: OrderedDict[int, asyncio.Task[Email | None]] = OrderedDict()
        self._stop = bus.listen(self._on_changes)
        self._stop_gaps = bus.on_gap(self._on_gap)

    def close(self) -> None:
        self._stop()
        self._stop_gaps()
        self._feeds.clear()
        self._task_feeds.clear()
        self._relay_feeds.clear()

    @property
    def feed_count(self) -> int:
        return len(self._feeds)

    @property
    def task_feed_count(self) -> int:
        return len(self._task_feeds)

    @property
    def relay_feed_count(self) -> int:
        return len(self._relay_feeds)

    def _on_changes(self, changes: Sequence[Change]) -> None:
        emails = [c for c in changes if isinstance(c, EmailChange)]
        tasks = [c for c in changes if isinstance(c, TaskChange)]
        if emails:
            for feed in list(self._feeds):
                feed.push(emails)
        if tasks:
            for task_feed in list(self._task_feeds):
                task_feed.push(tasks)
        relays = [c for c in changes if isinstance(c, RelayChanged)]
        if relays:
            for relay_feed in list(self._relay_feeds):
                relay_feed.push(relays)

    def _on_gap(self) -> None:
        for feed in list(self._feeds):
            feed.push_gap()
        for task_feed in list(self._task_feeds):
            task_feed.push_gap()

    @asynccontextmanager
    async def feed(self, *, gaps: bool = False) -> AsyncIterator[Feed[EmailChange]]:
        """The changes from now on; with `gaps`, FeedGap says when the bus may have lost some."""
        feed: Feed[EmailChange] = Feed(gaps=gaps)
        self._feeds.add(feed)
        try:
            yield feed
        finally:
            self._feeds.discard(feed)

    @asynccontextmanager
    async def task_feed(self, *, gaps: bool = False) -> AsyncIterator[Feed[TaskChange]]:
        """The task changes from now on; with `gaps`, FeedGap says when the bus lost some."""
        feed: Feed[TaskChange] = Feed(gaps=gaps)
        self._task_feeds.add(feed)
        try:
            yield feed
        finally:
            self._task_feeds.discard(feed)

    @asynccontextmanager
    async def relay_feed(self) -> AsyncIterator[Feed[RelayChanged]]:
        feed: Feed[RelayChanged] = Feed()
        self._relay_feeds.add(feed)
        try:
            yield feed
        finally:
            self._relay_feeds.discard(feed)

    async def email_row(
        self, change: EmailChange, load: Callable[[int], Awaitable[Email | None]] | None = None
    ) -> Email | None:
        """The email as it is now (None once deleted): one query per change and process. The
        first reader may `load` it its own way (the search hub reads recent events with it)."""
        if change.new_status is None:
            return None
        task = self._rows.get(change.cursor)
        if task is None:
            task = asyncio.ensure_future((load or _email)(change.email_id))
            self._rows[change.cursor] = task
            while len(self._rows) > ROW_MEMO:
                self._rows.popitem(last=False)
        # Shielded: one subscriber going away must not cancel the load the others wait for.
        return await asyncio.shield(task)


async def _email(email_id: int) -> Email | None:
    return await Email.get_or_none(id=email_id)


_dispatchers: dict[int, Dispatcher] = {}


def get_dispatcher() -> Dispatcher:
    """The dispatcher of the process's current bus (created on first use)."""
    bus = current_bus()
    dispatcher = _dispatchers.get(id(bus))
    if dispatcher is None or dispatcher.bus is not bus:
        for stale in _dispatchers.values():
            stale.close()
        _dispatchers.clear()
        dispatcher = _dispatchers[id(bus)] = Dispatcher(bus)
    return dispatcher
