"""The SavedSearch type: its stored conditions and its current matches."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph.context import Info
from graph.emails.types import Email
from graph.errors import or_query_error
from graph.relay import After, Before, Connection, First, Last, Node, to_global_id
from graph.search.inputs import SearchFilter
from models.base.pagination import paginate
from models.emails import folders
from models.search import saved as saved_searches
from models.search.tables import SavedSearch as SavedSearchRow


@strawberry.type(
    description="A named email filter of the caller. A dynamic list: `emails` and `count` are "
    "always the current matches."
)
class SavedSearch(Node):
    row: strawberry.Private[SavedSearchRow]
    name: str = strawberry.field(description="Its name, unique per user.")
    created_at: datetime = strawberry.field(description="When it was saved, UTC.")
    updated_at: datetime = strawberry.field(
        description="When its name or filter last changed, UTC."
    )

    @classmethod
    def of(cls, row: SavedSearchRow) -> SavedSearch:
        return cls(
            id=to_global_id("SavedSearch", row.id),
            row=row,
            name=row.name,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field(description="The conditions (see EmailFilter).")
    def filter(self) -> SearchFilter:
        return SearchFilter.of(self.row.spec)

    @strawberry.field(description="The emails matching now, newest status date first.")
    async def emails(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Email]:
        viewer = info.context.user

        async def run() -> Connection[Email]:
            query = await saved_searches.results(viewer, self.row)
            page = await paginate(
                query, folders.DEFAULT_ORDER, first=first, after=after, last=last, before=before
            )

            async def count() -> int:
                return await saved_searches.count(viewer, self.row)

            return Connection[Email].of(page, count, Email.of)

        return await or_query_error(run)

    @strawberry.field(description="How many emails match now.")
    async def count(self, info: Info) -> int:
        viewer = info.context.user
        return await or_query_error(lambda: saved_searches.count(viewer, self.row))
