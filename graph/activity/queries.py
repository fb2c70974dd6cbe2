"""The activity feed query: engagement events of the caller's visible emails, newest first."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graph.context import Info
from graph.emails.types import EmailEvent
from graph.enums import EmailEventKind
from graph.errors import or_query_error
from graph.relay import After, Before, Connection, First, Last
from models.base.pagination import paginate
from models.engagement import activity


@strawberry.type
class ActivityQueries:
    @strawberry.field(
        description="Opens, clicks, replies, delivery problems and unsubscribes on the caller's "
        "visible emails (members: their own; admins: the team's), newest first. Likely machine "
        "opens and clicks (privacy proxies, link scanners) only with `includeMachine`."
    )
    async def activity_feed(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        kinds: Annotated[
            list[EmailEventKind] | None,
            strawberry.argument(
                description="Only these engagement kinds; null for all of them (other kinds are "
                "INVALID_INPUT)."
            ),
        ] = None,
        include_machine: Annotated[
            bool,
            strawberry.argument(
                description="Also list opens and clicks flagged as machine (privacy proxies, link "
                "scanners)."
            ),
        ] = False,
    ) -> Connection[EmailEvent]:
        viewer = info.context.user

        async def run() -> Connection[EmailEvent]:
            spec = activity.ActivityFilter.of(kinds, include_machine)
            query = activity.activity_events(viewer, spec)
            page = await paginate(
                query, activity.FEED_ORDER, first=first, after=after, last=last, before=before
            )
            return Connection[EmailEvent].of(page, query, EmailEvent.of)

        return await or_query_error(run)
