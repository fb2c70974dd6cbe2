"""Task streams after the bus lost changes: `taskChanged` reports what the task table shows
changed meanwhile (RESYNCED with the task now; DELETED / REASSIGNED for tasks it had reported),
nothing twice; `taskCountsChanged` recounts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import pytest

from events import TaskChange
from events.memory import MemoryBus
from graph.live.dispatcher import Dispatcher
from graph.live.task_streams import task_changes, task_count_updates
from models.base import clock, hooks
from models.tasks import commands as tasks
from models.tasks.changes import TaskChangeKind as K
from models.tasks.rules import TaskFields
from models.tasks.tables import Task, TaskStatus, TaskType
from models.tasks.views import TaskView
from models.teams import auth
from models.teams.tables import Role, User
from tests.live.gap_helpers import collect, until

Seen = list[tuple[TaskChange, Task | None]]


@pytest.fixture
async def published() -> AsyncIterator[list[TaskChange]]:
    """Every task change the commands publish, for the test to deliver (or lose) itself."""
    changes: list[TaskChange] = []

    async def keep(batch: Sequence[TaskChange]) -> None:
        changes.extend(batch)

    hooks.on_tasks_committed(keep)
    yield changes
    hooks.remove_task_listener(keep)


async def new_task(user: User, title: str, assignee: User | None = None) -> Task:
    fields = TaskFields(type=TaskType.CALL, title=title, due_at=clock.now())
    fields.assignee_id = assignee.id if assignee else None
    return await tasks.create_task(user, fields)


def kinds(seen: Seen) -> list[tuple[K, int]]:
    return [(change.kind, change.task_id) for change, _row in seen]


async def test_task_changed_reports_what_a_gap_hid_once(
    gap_team: tuple[User, User], published: list[TaskChange]
) -> None:
    alice, bob = gap_team
    lead = await auth.create_user(await alice.team, "lead@gap.example", role=Role.TEAM_ADMIN)
    bus = MemoryBus()
    await bus.start()
    dispatcher = Dispatcher(bus)
    mine: Seen = []  # alice's own stream
    hers: Seen = []  # the team admin's, on alice's list
    readers = [
        asyncio.create_task(collect(task_changes(dispatcher, alice, None), mine)),
        asyncio.create_task(collect(task_changes(dispatcher, lead, alice), hers)),
    ]
    try:
        await until(lambda: dispatcher.task_feed_count == 2, "the streams' feeds")
        t1, t2, t3, t4 = [await new_task(alice, f"task {n}") for n in range(1, 5)]
        bus.deliver(published)
        await until(lambda: len(mine) == len(hers) == 4, "the live changes")

        published.clear()  # committed while the bus was away: nothing of it is heard
        await tasks.complete_task(alice, t1.id, "done")
        await tasks.delete_task(alice, t2.id)
        await tasks.reassign_task(lead, t3.id, bob.id)
        t5 = await new_task(alice, "task 5")
        await new_task(bob, "bob's own")  # never alice's: neither stream shows it
        bus.gap()
        await until(lambda: len(mine) >= 8 and len(hers) >= 8, "what the gap hid")

        bus.deliver(published)  # the lost changes arriving late: not reported again
        await tasks.update_task(alice, t4.id, TaskFields(title="task 4, renamed"))
        bus.deliver(published[-1:])
        await until(lambda: len(mine) >= 9 and len(hers) >= 9, "the next live change")
    finally:
        for reader in readers:
            reader.cancel()
        dispatcher.close()
    created = [(K.CREATED, t.id) for t in (t1, t2, t3, t4)]
    gap = [(K.RESYNCED, t1.id), (K.RESYNCED, t5.id), (K.DELETED, t2.id), (K.REASSIGNED, t3.id)]
    assert kinds(mine) == kinds(hers) == [*created, *gap, (K.UPDATED, t4.id)]
    for seen in (mine, hers):
        done, made = seen[4][1], seen[5][1]
        assert done is not None and done.status is TaskStatus.COMPLETED
        assert made is not None and made.title == "task 5"
        assert seen[6][1] is None
        moved = seen[7][0]
        assert (moved.previous_assignee_id, moved.assignee_id) == (alice.id, bob.id)
    assert mine[7][1] is None  # alice may not see bob's task any more; the team admin may
    assert hers[7][1] is not None and hers[7][1].assignee_id == bob.id


async def test_task_counts_recount_after_a_gap(gap_team: tuple[User, User]) -> None:
    alice, _bob = gap_team
    bus = MemoryBus()
    await bus.start()
    dispatcher = Dispatcher(bus)
    counts: list[dict[TaskView, int]] = []
    reader = asyncio.create_task(collect(task_count_updates(dispatcher, alice, alice), counts))
    try:
        await until(lambda: counts, "the first counts")
        assert counts[0][TaskView.ALL] == 0
        await new_task(alice, "committed while the bus was away")
        bus.gap()
        await until(lambda: len(counts) == 2, "the counts after the gap")
    finally:
        reader.cancel()
        dispatcher.close()
    assert counts[1][TaskView.ALL] == 1
