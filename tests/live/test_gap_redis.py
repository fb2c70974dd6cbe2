"""A real Redis bus loses what is committed while Redis is down: once it listens again, the
activity, task and saved-search streams report exactly what they missed, then go on live."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from events import EmailChange, TaskChange
from events.redis import RedisBus
from graph.live.activity import activity_events
from graph.live.dispatcher import Dispatcher
from graph.live.search_hub import Match, MatchKind, SearchHub, matches
from graph.live.task_streams import task_changes, task_count_updates
from models.emails.tables import EmailEvent, EmailEventKind
from models.engagement.activity import ActivityFilter
from models.tasks.changes import TaskChangeKind
from models.tasks.tables import Task
from models.tasks.views import TaskView
from models.teams.tables import User
from tests.live.gap_helpers import collect, email_of, until
from tests.live.test_gap_activity import engagement
from tests.live.test_gap_search import DRAFTS
from tests.live.test_gap_tasks import new_task
from tests.scale.processes import free_port, redis_server


async def test_streams_on_redis_recover_what_a_restart_lost(
    gap_team: tuple[User, User], tmp_path: Path
) -> None:
    alice, _bob = gap_team
    mine = await email_of(alice)
    port = free_port()
    server = redis_server(port, tmp_path)
    await server.start()
    url, channel = f"redis://127.0.0.1:{port}/0", f"gap-{uuid.uuid4().hex}"
    listener, publisher = RedisBus(url, channel), RedisBus(url, channel, listen=False)
    gaps: list[int] = []
    listener.on_gap(lambda: gaps.append(1))
    await listener.start()
    await publisher.start()
    dispatcher = Dispatcher(listener)
    hub = SearchHub(dispatcher)
    views: list[EmailEvent] = []
    changes: list[tuple[TaskChange, Task | None]] = []
    counts: list[dict[TaskView, int]] = []
    moved: list[Match] = []
    spec = ActivityFilter.of([EmailEventKind.VIEWED])
    readers = [
        asyncio.create_task(collect(activity_events(dispatcher, alice, spec), views)),
        asyncio.create_task(collect(task_changes(dispatcher, alice, None), changes)),
        asyncio.create_task(collect(task_count_updates(dispatcher, alice, alice), counts)),
    ]
    try:
        async with hub.watch(alice, None, DRAFTS) as watch:
            assert watch.matching == {mine.id}
            readers.append(asyncio.create_task(collect(matches(hub, watch, 3600), moved)))
            await until(lambda: dispatcher.feed_count == 2, "the email feeds")
            await until(lambda: dispatcher.task_feed_count == 2 and counts, "the task feeds")

            await server.stop()  # what is committed now is published nowhere
            viewed = await engagement(mine, EmailEventKind.VIEWED)
            drafted = await email_of(alice)
            task = await new_task(alice, "while Redis was down")
            await server.start()
            await until(lambda: gaps, "the bus listening again")
            await until(lambda: views and changes and moved and len(counts) > 1, "the catch-up")

            again = await engagement(mine, EmailEventKind.VIEWED)
            await publisher.publish([EmailChange.of(again)])
            await until(lambda: len(views) > 1, "a live event after the gap")
    finally:
        for reader in readers:
            reader.cancel()
        dispatcher.close()
        await listener.close()
        await publisher.close()
        await server.stop()
    assert gaps == [1]
    assert [event.id for event in views] == [viewed.id, again.id]
    assert [(c.kind, c.task_id) for c, _row in changes] == [(TaskChangeKind.RESYNCED, task.id)]
    assert counts[-1][TaskView.ALL] == 1
    assert [(m.kind, m.email_id) for m in moved] == [(MatchKind.ENTERED, drafted.id)]
