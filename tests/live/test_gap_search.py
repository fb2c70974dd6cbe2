"""Live saved searches after the bus lost changes: every watch is re-synchronised from SQL and
the differences go out as ENTERED/EXITED, once each."""

from __future__ import annotations

import asyncio

from events import EmailChange
from events.memory import MemoryBus
from graph.live.dispatcher import Dispatcher
from graph.live.search_hub import Match, MatchKind, SearchHub, matches
from models.emails import commands as emails
from models.emails.tables import Email, EmailEvent, EmailStatus
from models.search.filters import EmailFilter
from models.teams.tables import User
from tests.live.gap_helpers import collect, email_of, until

DRAFTS = EmailFilter(status=EmailStatus.DRAFT)


async def changes_of(email_id: int) -> list[EmailChange]:
    return [EmailChange.of(row) for row in await EmailEvent.filter(email_id=email_id)]


def summary(seen: list[Match]) -> list[tuple[MatchKind, int]]:
    return [(match.kind, match.email_id) for match in seen]


async def test_a_watch_reports_what_moved_during_a_gap(gap_team: tuple[User, User]) -> None:
    alice, bob = gap_team
    leaving, staying = await email_of(alice), await email_of(alice)
    bus = MemoryBus()
    await bus.start()
    dispatcher = Dispatcher(bus)
    hub = SearchHub(dispatcher)
    seen: list[Match] = []
    try:
        async with hub.watch(alice, None, DRAFTS) as watch:
            assert watch.matching == {leaving.id, staying.id}
            reader = asyncio.create_task(collect(matches(hub, watch, 3600), seen))
            heard = await email_of(alice)
            bus.deliver(await changes_of(heard.id))
            await until(lambda: len(seen) == 1, "the live match")

            # Committed while the bus was away: nothing of it is heard.
            await emails.delete_email(alice, leaving.id, None)
            entered = await email_of(alice)
            await email_of(bob)  # bob's draft: alice's search never shows it
            bus.gap()
            await until(lambda: len(seen) >= 3, "what the gap hid, from SQL")

            # The lost changes arriving late move nothing; the next live change does.
            bus.deliver(await changes_of(leaving.id) + await changes_of(entered.id))
            after = await email_of(alice)
            bus.deliver(await changes_of(after.id))
            await until(lambda: len(seen) >= 4, "the next live match")
            reader.cancel()
            assert watch.matching == {staying.id, heard.id, entered.id, after.id}
    finally:
        dispatcher.close()
    assert summary(seen) == [
        (MatchKind.ENTERED, heard.id),
        (MatchKind.ENTERED, entered.id),
        (MatchKind.EXITED, leaving.id),
        (MatchKind.ENTERED, after.id),
    ]
    assert [m.cursor is None for m in seen] == [False, True, True, False]
    assert isinstance(seen[1].row, Email) and seen[1].row.id == entered.id
