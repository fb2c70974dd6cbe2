"""When the bus loses changes (Redis went away and came back), live streams read them from the
EmailEvent table instead of silently skipping them (found by tests/scale: a subscriber missed the
changes published during a Redis restart)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from events import EmailChange
from events.memory import MemoryBus
from events.redis import RedisBus
from graph.live.dispatcher import Dispatcher
from graph.live.streams import ChangeFilter, status_changes
from models.base import clock
from models.emails import commands as emails
from models.emails.tables import EmailEvent, EmailEventKind, EmailStatus
from models.teams import auth
from models.teams.tables import Role, User
from tests.live.gap_helpers import until
from tests.scale.processes import free_port, redis_server


def _change(cursor: int) -> EmailChange:
    kind, status = EmailEventKind.CREATED, EmailStatus.DRAFT
    return EmailChange(cursor, 1, 1, 1, kind, None, status, clock.now(), None, {})


async def test_the_redis_bus_reports_a_gap_once_listening_again(tmp_path: Path) -> None:
    """Our own redis-server (the shared one is never restarted): after a restart the bus
    subscribes again, reports the gap, and hears what is published from then on."""
    port = free_port()
    server = redis_server(port, tmp_path)
    await server.start()
    url, channel = f"redis://127.0.0.1:{port}/0", f"gap-{uuid.uuid4().hex}"
    listener, publisher = RedisBus(url, channel), RedisBus(url, channel, listen=False)
    gaps: list[int] = []
    heard: list[int] = []
    listener.on_gap(lambda: gaps.append(len(heard)))
    listener.listen(lambda changes: heard.extend(getattr(c, "cursor", 0) for c in changes))
    await listener.start()
    await publisher.start()
    try:
        await publisher.publish([_change(1)])
        await until(lambda: heard == [1], "the first change")
        await server.restart()
        await until(lambda: gaps, "the gap after Redis came back")
        await publisher.publish([_change(2)])
        await until(lambda: heard == [1, 2], "a change published after the gap")
    finally:
        await listener.close()
        await publisher.close()
        await server.stop()
    assert gaps == [1]


@pytest.fixture
async def member(db: object) -> User:
    team = await auth.get_or_create_team("Gap")
    return await auth.create_user(team, "gus@gap.example", name="Gus", role=Role.MEMBER)


async def _draft_event(user: User, subject: str) -> EmailEvent:
    """A change committed where this test's bus does not hear it (the app's bus, if any)."""
    email = await emails.create_draft(user, emails.DraftFields(to=["p@x.example"], subject=subject))
    return await EmailEvent.filter(email_id=email.id).order_by("-id").first()  # type: ignore[return-value]


async def _collect(stream: AsyncIterator[tuple[EmailChange, object]], into: list[int]) -> None:
    async for change, _row in stream:
        into.append(change.cursor)


async def test_a_stream_replays_what_the_bus_missed_and_nothing_twice(member: User) -> None:
    bus = MemoryBus()
    await bus.start()
    dispatcher = Dispatcher(bus)
    seen: list[int] = []
    stream = status_changes(dispatcher, member, None, ChangeFilter(), since=None)
    reader = asyncio.create_task(_collect(stream, seen))
    try:
        first = await _draft_event(member, "heard live")
        await until(lambda: dispatcher.feed_count == 1, "the stream's feed")
        bus.deliver([EmailChange.of(first)])
        await until(lambda: seen == [first.id], "the live change")

        missed = await _draft_event(member, "published while the bus was away")
        bus.gap()
        await until(lambda: seen == [first.id, missed.id], "the missed change, from the table")

        bus.deliver([EmailChange.of(missed)])  # the same change arriving late: not sent again
        after = await _draft_event(member, "heard live again")
        bus.deliver([EmailChange.of(after)])
        await until(lambda: len(seen) == 3, "the next live change")
    finally:
        reader.cancel()
        dispatcher.close()
    assert seen == [first.id, missed.id, after.id]
