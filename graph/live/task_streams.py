"""What the task subscriptions yield, independent of GraphQL: visible task changes, and a list's
counts whenever they may have moved.

Task changes are not replayed to a client that reconnects (there is no task event table): it
re-reads `tasks` and `taskCounts`, which are cheap, and then follows the live changes. When the
server's own bus loses changes (a FeedGap), `task_changes` reports what the task table shows
changed meanwhile (graph/live/task_gaps.py) and `task_count_updates` recounts.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime

from events import TaskChange
from graph.live.dispatcher import Dispatcher, FeedGap
from graph.live.task_gaps import TaskLedger
from models.base import clock
from models.tasks import views as task_views
from models.tasks.changes import TaskChangeKind
from models.tasks.rules import may_see_task, visible_tasks
from models.tasks.tables import Task, TaskStatus
from models.tasks.views import TaskView
from models.teams.tables import User

# Counts: recompute once changes pause for QUIET seconds, at least every MAX_WAIT during a burst.
COUNTS_QUIET = 0.1
COUNTS_MAX_WAIT = 1.0
# Re-check the time (midnight, a snooze ending) at most this late, and never sooner than MIN_SLEEP
# after a check (so a boundary reached a hair early cannot spin).
MAX_SLEEP = 3600.0
MIN_SLEEP = 0.05


async def task_changes(
    dispatcher: Dispatcher, viewer: User, assignee: User | None
) -> AsyncIterator[tuple[TaskChange, Task | None]]:
    """Changes of tasks the viewer may see (optionally: on `assignee`'s list, before or after),
    each with the task as it is now — None once deleted or no longer visible to the viewer (a
    member hears that a task was reassigned away, then cannot see it any more). After a bus gap,
    what changed meanwhile as far as the task table tells (see graph/live/task_gaps.py)."""
    async with dispatcher.task_feed(gaps=True) as feed:
        ledger = TaskLedger(viewer, assignee)
        while True:
            try:
                change = await feed.get()
            except FeedGap:
                for missed, row in await ledger.recover():
                    yield missed, row
                continue
            if not may_see_task(viewer, change.team_id, change.assignees):
                continue
            if assignee is not None and assignee.id not in change.assignees:
                continue
            row = None
            if change.kind is not TaskChangeKind.DELETED:
                row = await visible_tasks(viewer).get_or_none(id=change.task_id)
            if ledger.repeats(change, row):
                continue
            ledger.told(change.task_id, row)
            yield change, row


async def _next_boundary(viewer: User, owner: User, now: datetime) -> float:
    """Seconds until the counts change with no write: the owner's next local midnight, or the
    end of the soonest snooze."""
    boundary = task_views.window(now, owner.timezone).day(1)
    waking = (
        await visible_tasks(viewer)
        .filter(assignee_id=owner.id, status=TaskStatus.OPEN, snoozed_until__gt=now)
        .order_by("snoozed_until")
        .first()
    )
    if waking is not None and waking.snoozed_until is not None:
        boundary = min(boundary, waking.snoozed_until)
    return min(max((boundary - now).total_seconds(), MIN_SLEEP), MAX_SLEEP)


async def task_count_updates(
    dispatcher: Dispatcher, viewer: User, owner: User
) -> AsyncIterator[dict[TaskView, int]]:
    """The owner's counts now, then again whenever a change touches their list (coalesced like
    folder counts) or the time crosses a boundary (local midnight, a snooze ending)."""
    loop = asyncio.get_running_loop()

    async def current() -> dict[TaskView, int]:
        query = visible_tasks(viewer).filter(assignee_id=owner.id)
        return await task_views.count_views(query, task_views.window(clock.now(), owner.timezone))

    async with dispatcher.task_feed(gaps=True) as feed:
        last = await current()
        yield last
        while True:
            sleep = await _next_boundary(viewer, owner, clock.now())
            try:
                async with asyncio.timeout(sleep):
                    while True:
                        try:
                            change = await feed.get()
                        except FeedGap:
                            break  # the bus lost changes: the counts may have moved
                        if change.team_id == owner.team_id and owner.id in change.assignees:
                            break
                deadline = loop.time() + COUNTS_MAX_WAIT
                while (left := deadline - loop.time()) > 0:
                    try:
                        async with asyncio.timeout(min(COUNTS_QUIET, left)):
                            await feed.get()
                    except FeedGap:
                        continue
                    except TimeoutError:
                        break
            except TimeoutError:
                pass  # a boundary passed: the views moved without a write
            counts = await current()
            if counts != last:
                last = counts
                yield counts
