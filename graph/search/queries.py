"""Reading saved searches (the caller's own)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graph.context import Info
from graph.errors import or_query_error
from graph.relay import After, Before, Connection, First, Last, decode_id
from graph.search.types import SavedSearch
from models.base.pagination import Order, paginate
from models.search import saved as saved_searches

BY_NAME = Order("name", descending=False)


@strawberry.type
class SearchQueries:
    @strawberry.field(description="The caller's saved searches, by name.")
    async def saved_searches(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[SavedSearch]:
        query = saved_searches.visible_saved_searches(info.context.user)

        async def run() -> Connection[SavedSearch]:
            page = await paginate(
                query, BY_NAME, first=first, after=after, last=last, before=before
            )
            return Connection[SavedSearch].of(page, query, SavedSearch.of)

        return await or_query_error(run)

    @strawberry.field(description="One of the caller's saved searches, or null.")
    async def saved_search(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="Global ID of the saved search.")
        ],
    ) -> SavedSearch | None:
        pk = decode_id(id, "SavedSearch")
        if pk is None:
            return None
        row = await saved_searches.visible_saved_searches(info.context.user).get_or_none(id=pk)
        return SavedSearch.of(row) if row else None
