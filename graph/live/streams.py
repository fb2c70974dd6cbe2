"""What the subscriptions yield, independent of GraphQL: visible, filtered changes (with replay
from the EmailEvent table) and coalesced folder counts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

from events import EmailChange
from graph.live.dispatcher import Dispatcher, FeedGap
from models.base.errors import DomainError, ErrorCode
from models.emails import folders
from models.emails.tables import FOLDER_STATUSES, Email, EmailFolder, EmailStatus, folder_of
from models.teams import scope
from models.teams.tables import User

REPLAY_PAGE = 500
# Folder counts: recompute once the changes pause for QUIET seconds, and at least every MAX_WAIT
# seconds during a long burst, so a dashboard sees progress but never one update per transition.
COUNTS_QUIET = 0.1
COUNTS_MAX_WAIT = 1.0


@dataclass(frozen=True)
class ChangeFilter:
    """Which changes a subscriber wants; every condition given must hold."""

    statuses: frozenset[EmailStatus] | None = None  # from `folder` and/or `status`
    person_id: int | None = None
    campaign_id: int | None = None

    @classmethod
    def of(
        cls,
        folder: EmailFolder | None = None,
        status: EmailStatus | None = None,
        person_id: int | None = None,
        campaign_id: int | None = None,
    ) -> ChangeFilter:
        if status is not None and folder is not None and folder_of(status) is not folder:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                f"Status {status.value} is not in the {folder.value} folder.",
                "filter.status",
            )
        statuses = None
        if status is not None:
            statuses = frozenset({status})
        elif folder is not None:
            statuses = frozenset(FOLDER_STATUSES[folder])
        return cls(statuses, person_id, campaign_id)

    def matches(self, change: EmailChange, row: Email | None) -> bool:
        # A status filter matches moves into, out of and within the statuses: a PENDING dashboard
        # must hear that an email left PENDING.
        if self.statuses is not None and not (
            change.previous_status in self.statuses or change.new_status in self.statuses
        ):
            return False
        links = _links(change, row)
        if self.person_id is not None and links[0] != self.person_id:
            return False
        return self.campaign_id is None or links[1] == self.campaign_id


def _links(change: EmailChange, row: Email | None) -> tuple[int | None, int | None]:
    if row is not None:
        return row.person_id, row.campaign_id
    # Deleted: the deletion event recorded the links.
    person, campaign = change.data.get("personId"), change.data.get("campaignId")
    return (
        person if isinstance(person, int) else None,
        campaign if isinstance(campaign, int) else None,
    )


def parse_cursor(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or len(value) > 19:
        raise DomainError(ErrorCode.INVALID_CURSOR, "Not a cursor from this API.", "since")
    return int(value)


async def status_changes(
    dispatcher: Dispatcher,
    viewer: User,
    view_as: User | None,
    change_filter: ChangeFilter,
    since: int | None,
) -> AsyncIterator[tuple[EmailChange, Email | None]]:
    """Visible changes matching the filter: first those after `since` (from the table), then live.

    The live feed opens before the replay reads, so nothing committed meanwhile falls in between;
    changes both replayed and buffered are dropped by cursor at the seam. When the bus says it
    missed changes (Redis went away and came back), the same replay reads them from the table,
    after the newest cursor this stream has heard, and the stream goes on live.
    """
    async with dispatcher.feed(gaps=True) as feed:
        seam: set[int] = set()
        last = since if since is not None else await latest_cursor(viewer, view_as)
        replay_from = since
        while True:
            if replay_from is not None:
                async for change, row in _replay(viewer, view_as, replay_from):
                    remember(seam, change.cursor)
                    last = max(last, change.cursor)
                    if change_filter.matches(change, row):
                        yield change, row
                replay_from = None
            try:
                change = await feed.get()
            except FeedGap:
                replay_from = last
                continue
            # A live change at or below `since` is NOT one the client has: it was published after
            # this feed opened, so it committed after the client's last change although its id is
            # older (ids are taken at insert, commits land in any order across processes).
            # Dropping it would lose it for good: the replay only reads ids above `since`.
            if change.cursor in seam:
                continue
            last = max(last, change.cursor)
            if not scope.may_see(viewer, change.team_id, change.owner_id, view_as):
                continue
            row = await dispatcher.email_row(change)
            if change_filter.matches(change, row):
                yield change, row


def remember(seam: set[int], cursor: int) -> None:
    seam.add(cursor)
    if len(seam) >= 2 * REPLAY_PAGE:
        # Only the newest rows can still arrive live; older ones were published long before.
        seam.intersection_update(sorted(seam)[-REPLAY_PAGE:])


async def latest_cursor(viewer: User, view_as: User | None) -> int:
    """Where a stream without `since` would resume after a gap: its newest visible change."""
    newest = await scope.visible_events(viewer, view_as).order_by("-id").first()
    return newest.id if newest is not None else 0


async def _replay(
    viewer: User, view_as: User | None, since: int
) -> AsyncIterator[tuple[EmailChange, Email | None]]:
    after = since
    while True:
        rows = (
            await scope.visible_events(viewer, view_as)
            .filter(id__gt=after)
            .order_by("id")
            .limit(REPLAY_PAGE)
        )
        if not rows:
            return
        emails = {
            email.id: email
            for email in await scope.visible_emails(viewer, view_as).filter(
                id__in={row.email_id for row in rows}
            )
        }
        for row in rows:
            change = EmailChange.of(row)
            yield change, emails.get(change.email_id) if change.new_status else None
        after = rows[-1].id
        if len(rows) < REPLAY_PAGE:
            return


async def folder_count_updates(
    dispatcher: Dispatcher, viewer: User, view_as: User | None
) -> AsyncIterator[folders.FolderCounts]:
    """The current counts, then the counts again whenever a visible change may have moved them.

    Changes only mark the counts dirty; they are recomputed from the counters after a short pause
    (or during a long burst, every COUNTS_MAX_WAIT), and changes arriving during a recomputation
    trigger another one, so the last value sent is always the real one.
    """
    view_as_id = view_as.id if view_as else None
    async with dispatcher.feed(gaps=True) as feed:
        last = await folders.folder_counts(viewer, view_as_id)
        yield last
        loop = asyncio.get_running_loop()
        while True:
            try:
                change: EmailChange | None = await feed.get()
            except FeedGap:
                change = None  # the bus missed changes: any count may have moved
            if change is not None:
                if not scope.may_see(viewer, change.team_id, change.owner_id, view_as):
                    continue
                if change.previous_status == change.new_status:
                    continue  # an edit or reschedule moves no count
            deadline = loop.time() + COUNTS_MAX_WAIT
            while (left := deadline - loop.time()) > 0:
                try:
                    async with asyncio.timeout(min(COUNTS_QUIET, left)):
                        await feed.get()
                except FeedGap:
                    continue
                except TimeoutError:
                    break
            counts = await folders.folder_counts(viewer, view_as_id)
            if counts != last:
                last = counts
                yield counts
