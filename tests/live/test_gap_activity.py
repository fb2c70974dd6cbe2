"""The `activity` stream after the bus lost changes: the missed engagement events come from the
EmailEvent table (same kinds, visibility and machine filter, in id order), none twice."""

from __future__ import annotations

import asyncio

from events import EmailChange
from events.memory import MemoryBus
from graph.live.activity import activity_events
from graph.live.dispatcher import Dispatcher
from models.base import clock
from models.emails.tables import Email, EmailEvent, EmailEventKind
from models.engagement.activity import ActivityFilter
from models.teams.tables import User
from tests.live.gap_helpers import collect, email_of, until


async def engagement(email: Email, kind: EmailEventKind, machine: bool = False) -> EmailEvent:
    """An event written straight to the table: published nowhere, as if the bus lost it."""
    return await EmailEvent.create(
        team_id=email.team_id,
        owner_id=email.owner_id,
        email_id=email.id,
        kind=kind,
        machine=machine,
        previous_status=email.status,
        new_status=email.status,
        occurred_at=clock.now(),
    )


async def test_activity_replays_the_missed_events_it_wants_and_nothing_twice(
    gap_team: tuple[User, User],
) -> None:
    alice, bob = gap_team
    mine, theirs = await email_of(alice), await email_of(bob)
    bus = MemoryBus()
    await bus.start()
    dispatcher = Dispatcher(bus)
    spec = ActivityFilter.of([EmailEventKind.VIEWED, EmailEventKind.CLICKED])
    seen: list[EmailEvent] = []
    reader = asyncio.create_task(collect(activity_events(dispatcher, alice, spec), seen))
    try:
        await until(lambda: dispatcher.feed_count == 1, "the stream's feed")
        heard = await engagement(mine, EmailEventKind.VIEWED)
        bus.deliver([EmailChange.of(heard)])
        await until(lambda: len(seen) == 1, "the live event")

        missed = [
            await engagement(mine, EmailEventKind.VIEWED),
            await engagement(mine, EmailEventKind.VIEWED, machine=True),  # machine: not wanted
            await engagement(mine, EmailEventKind.REPLIED),  # a kind not asked for
            await engagement(theirs, EmailEventKind.CLICKED),  # bob's: alice may not see it
            await engagement(mine, EmailEventKind.CLICKED),
        ]
        bus.gap()
        await until(lambda: len(seen) >= 3, "the missed events, from the table")

        # The same events arriving late are not sent again; the next live one is.
        bus.deliver([EmailChange.of(event) for event in missed])
        after = await engagement(mine, EmailEventKind.CLICKED)
        bus.deliver([EmailChange.of(after)])
        await until(lambda: len(seen) >= 4, "the next live event")
    finally:
        reader.cancel()
        dispatcher.close()
    assert [event.id for event in seen] == [heard.id, missed[0].id, missed[4].id, after.id]
