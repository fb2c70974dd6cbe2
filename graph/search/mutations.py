"""Saving, changing and deleting searches: one `input`, the search plus `userErrors`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry

from graph.context import Info
from graph.errors import UserError, user_errors
from graph.relay import require_id, to_global_id
from graph.search.inputs import EmailFilter
from graph.search.types import SavedSearch
from models.base.errors import DomainError, ValidationErrors
from models.search import saved as saved_searches
from models.search.tables import SavedSearch as SavedSearchRow


@strawberry.type(description="The saved search after the mutation, or why it was refused.")
class SavedSearchPayload:
    saved_search: SavedSearch | None
    user_errors: list[UserError]


@strawberry.type
class DeleteSavedSearchPayload:
    deleted_saved_search_id: strawberry.ID | None
    user_errors: list[UserError]


@strawberry.input
class SaveSearchInput:
    name: str
    filter: EmailFilter


@strawberry.input(description="Only the fields given change.")
class UpdateSavedSearchInput:
    id: strawberry.ID
    name: str | None = None
    filter: EmailFilter | None = None


@strawberry.input
class DeleteSavedSearchInput:
    id: strawberry.ID


async def _payload(call: Callable[[], Awaitable[SavedSearchRow]]) -> SavedSearchPayload:
    try:
        return SavedSearchPayload(saved_search=SavedSearch.of(await call()), user_errors=[])
    except (DomainError, ValidationErrors) as error:
        return SavedSearchPayload(saved_search=None, user_errors=user_errors(error))


def _id(global_id: str) -> int:
    return require_id(global_id, "SavedSearch")


@strawberry.type
class SearchMutations:
    @strawberry.mutation(description="Save a filter under a name (at most 50 per user).")
    async def save_search(self, info: Info, input: SaveSearchInput) -> SavedSearchPayload:
        viewer = info.context.user
        return await _payload(
            lambda: saved_searches.save_search(
                viewer, saved_searches.SavedSearchFields(input.name, input.filter.to_domain())
            )
        )

    @strawberry.mutation(description="Rename a saved search or replace its filter.")
    async def update_saved_search(
        self, info: Info, input: UpdateSavedSearchInput
    ) -> SavedSearchPayload:
        viewer = info.context.user

        async def run() -> SavedSearchRow:
            spec = input.filter.to_domain() if input.filter else None
            fields = saved_searches.SavedSearchFields(input.name, spec)
            return await saved_searches.update_saved_search(viewer, _id(input.id), fields)

        return await _payload(run)

    @strawberry.mutation(description="Delete a saved search (its emails are untouched).")
    async def delete_saved_search(
        self, info: Info, input: DeleteSavedSearchInput
    ) -> DeleteSavedSearchPayload:
        viewer = info.context.user
        try:
            pk = await saved_searches.delete_saved_search(viewer, _id(input.id))
        except DomainError as error:
            return DeleteSavedSearchPayload(
                deleted_saved_search_id=None, user_errors=user_errors(error)
            )
        return DeleteSavedSearchPayload(
            deleted_saved_search_id=to_global_id("SavedSearch", pk), user_errors=[]
        )
