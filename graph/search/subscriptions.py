"""`savedSearchMatches`: emails entering and leaving a saved search, live."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated

import strawberry

from config.settings import get_settings
from graph.context import Info
from graph.emails.types import Email
from graph.enums import describe_values
from graph.errors import query_error
from graph.live.dispatcher import get_dispatcher
from graph.live.search_hub import Match, MatchKind, get_hub, matches
from graph.loaders import Loaders
from graph.relay import require_id, to_global_id
from models.base import clock
from models.base.errors import DomainError
from models.search import saved as saved_searches
from models.teams import scope

strawberry.enum(
    MatchKind,
    name="SearchMatchKind",
    description="ENTERED: an email started matching; EXITED: it stopped (or was deleted).",
)
describe_values(
    MatchKind,
    {
        MatchKind.ENTERED: "The email started matching the saved search.",
        MatchKind.EXITED: "The email stopped matching (its state changed, or it was deleted).",
    },
)


@strawberry.type(description="An email entering or leaving a saved search.")
class SavedSearchMatch:
    kind: MatchKind = strawberry.field(description="ENTERED or EXITED.")
    email_id: strawberry.ID = strawberry.field(description="Global ID of the email.")
    email: Email | None = strawberry.field(description="The email now (null once deleted).")
    cursor: str | None = strawberry.field(
        description="The email change that caused it; null when time alone moved it "
        "(a 'within D days' window or a date preset)."
    )
    at: datetime = strawberry.field(description="When it entered or left, UTC.")

    @classmethod
    def of(cls, match: Match) -> SavedSearchMatch:
        return cls(
            kind=match.kind,
            email_id=to_global_id("Email", match.email_id),
            email=Email.of(match.row) if match.row is not None else None,
            cursor=None if match.cursor is None else str(match.cursor),
            at=clock.now(),
        )


@strawberry.type
class SearchSubscriptions:
    @strawberry.subscription(
        description="Emails entering (ENTERED) and leaving (EXITED) one of the caller's saved "
        "searches from now on; query `savedSearch(id) { emails }` for the current list."
    )
    async def saved_search_matches(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="Global ID of one of the caller's saved searches."),
        ],
    ) -> AsyncGenerator[SavedSearchMatch, None]:
        viewer = info.context.user
        try:
            row = await saved_searches.get_saved_search(viewer, require_id(id, "SavedSearch"))
            spec = row.spec
            view_as = await scope.resolve_view_as(viewer, spec.owner_id, "filter.ownerId")
        except DomainError as error:
            raise query_error(error) from None
        hub = get_hub(get_dispatcher())
        async with hub.watch(viewer, view_as, spec) as watch:
            async for match in matches(hub, watch, get_settings().saved_search_resync_seconds):
                info.context.loaders = Loaders()
                yield SavedSearchMatch.of(match)
