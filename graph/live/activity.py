"""What the `activity` subscription yields: visible engagement events as they are committed.

When the bus says it missed changes (Redis went away and came back), the stream reads the events
it missed from the EmailEvent table — those above the newest cursor it heard, with the same kinds,
visibility and machine filter, in id order — and goes on live, like `status_changes` (streams.py):
the feed stays open during the read, and events both read and buffered are dropped at the seam.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from graph.live.dispatcher import Dispatcher, FeedGap
from graph.live.streams import REPLAY_PAGE, latest_cursor, remember
from models.emails.tables import EmailEvent
from models.engagement import activity
from models.engagement.activity import ActivityFilter
from models.teams import scope
from models.teams.tables import User


async def activity_events(
    dispatcher: Dispatcher, viewer: User, spec: ActivityFilter
) -> AsyncIterator[EmailEvent]:
    """Live engagement events the viewer may see and `spec` wants, in commit order; after a bus
    gap, the missed ones from the table first."""
    async with dispatcher.feed(gaps=True) as feed:
        seam: set[int] = set()
        last = await latest_cursor(viewer, None)
        while True:
            try:
                change = await feed.get()
            except FeedGap:
                async for missed in _missed(viewer, spec, last):
                    remember(seam, missed.id)
                    last = max(last, missed.id)
                    yield missed
                continue
            if change.cursor in seam:
                continue  # read from the table after a gap, then heard late
            last = max(last, change.cursor)
            if change.kind not in spec.kinds:
                continue
            if not scope.may_see(viewer, change.team_id, change.owner_id):
                continue
            # The published change does not carry the machine flag: read the event row itself.
            row = await EmailEvent.get_or_none(id=change.cursor)
            if row is not None and spec.matches(change.kind, row.machine):
                yield row


async def _missed(viewer: User, spec: ActivityFilter, after: int) -> AsyncIterator[EmailEvent]:
    """The wanted, visible events above cursor `after`, in id order, page by page."""
    while True:
        query = activity.activity_events(viewer, spec).filter(id__gt=after)
        rows = await query.order_by("id").limit(REPLAY_PAGE)
        for row in rows:
            yield row
        if len(rows) < REPLAY_PAGE:
            return
        after = rows[-1].id
