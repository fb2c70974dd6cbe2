"""The live activity feed: the same items as `activityFeed`, pushed as they happen."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from graph.context import Info
from graph.emails.types import EmailEvent
from graph.enums import EmailEventKind
from graph.errors import query_error
from graph.live import activity as activity_streams
from graph.live.dispatcher import get_dispatcher
from graph.loaders import Loaders
from models.base.errors import DomainError
from models.engagement.activity import ActivityFilter


@strawberry.type
class ActivitySubscriptions:
    @strawberry.subscription(
        description="Engagement events of the caller's visible emails as they are recorded "
        "(the items of `activityFeed`, newest last)."
    )
    async def activity(
        self,
        info: Info,
        kinds: Annotated[
            list[EmailEventKind] | None,
            strawberry.argument(description="Only these engagement kinds; null for all."),
        ] = None,
        include_machine: Annotated[
            bool, strawberry.argument(description="Also push opens and clicks flagged as machine.")
        ] = False,
    ) -> AsyncGenerator[EmailEvent, None]:
        viewer = info.context.user
        try:
            spec = ActivityFilter.of(kinds, include_machine)
        except DomainError as error:
            raise query_error(error) from None
        async for row in activity_streams.activity_events(get_dispatcher(), viewer, spec):
            # Fresh loaders per item: a long-lived subscription must not serve stale rows.
            info.context.loaders = Loaders()
            yield EmailEvent.of(row)
