"""What the `activity` subscription yields: visible engagement events as they are committed."""

from __future__ import annotations

from collections.abc import AsyncIterator

from graph.live.dispatcher import Dispatcher
from models.emails.tables import EmailEvent
from models.engagement.activity import ActivityFilter
from models.teams import scope
from models.teams.tables import User


async def activity_events(
    dispatcher: Dispatcher, viewer: User, spec: ActivityFilter
) -> AsyncIterator[EmailEvent]:
    """Live engagement events the viewer may see and `spec` wants, in commit order."""
    async with dispatcher.feed() as feed:
        while True:
            change = await feed.get()
            if change.kind not in spec.kinds:
                continue
            if not scope.may_see(viewer, change.team_id, change.owner_id):
                continue
            # The published change does not carry the machine flag: read the event row itself.
            row = await EmailEvent.get_or_none(id=change.cursor)
            if row is not None and spec.matches(change.kind, row.machine):
                yield row
