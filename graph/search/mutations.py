"""Saving, changing and deleting searches: one `input`, the search plus `userErrors`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

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
    saved_search: SavedSearch | None = strawberry.field(
        description="The saved search after the change; null when refused (see userErrors)."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the request was refused; empty on success."
    )


@strawberry.type(description="The ID of the deleted saved search, or why it was not deleted.")
class DeleteSavedSearchPayload:
    deleted_saved_search_id: strawberry.ID | None = strawberry.field(
        description="Global ID of the deleted saved search; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the request was refused; empty on success."
    )


@strawberry.input(description="A search to save under a name.")
class SaveSearchInput:
    name: str = strawberry.field(description="Its name, unique among the caller's saved searches.")
    filter: EmailFilter = strawberry.field(
        description="The conditions, as for `emails(filter:)`; checked on save."
    )


@strawberry.input(description="Only the fields given change.")
class UpdateSavedSearchInput:
    id: strawberry.ID = strawberry.field(description="Global ID of the saved search.")
    name: str | None = strawberry.field(default=None, description="New name; null leaves it.")
    filter: EmailFilter | None = strawberry.field(
        default=None, description="New conditions (replacing all of them); null leaves them."
    )


@strawberry.input(description="The saved search to delete.")
class DeleteSavedSearchInput:
    id: strawberry.ID = strawberry.field(description="Global ID of the saved search.")


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
    async def save_search(
        self,
        info: Info,
        input: Annotated[
            SaveSearchInput, strawberry.argument(description="The name and the filter to save.")
        ],
    ) -> SavedSearchPayload:
        viewer = info.context.user
        return await _payload(
            lambda: saved_searches.save_search(
                viewer, saved_searches.SavedSearchFields(input.name, input.filter.to_domain())
            )
        )

    @strawberry.mutation(description="Rename a saved search or replace its filter.")
    async def update_saved_search(
        self,
        info: Info,
        input: Annotated[
            UpdateSavedSearchInput,
            strawberry.argument(description="Which saved search, and its new name and/or filter."),
        ],
    ) -> SavedSearchPayload:
        viewer = info.context.user

        async def run() -> SavedSearchRow:
            spec = input.filter.to_domain() if input.filter else None
            fields = saved_searches.SavedSearchFields(input.name, spec)
            return await saved_searches.update_saved_search(viewer, _id(input.id), fields)

        return await _payload(run)

    @strawberry.mutation(description="Delete a saved search (its emails are untouched).")
    async def delete_saved_search(
        self,
        info: Info,
        input: Annotated[
            DeleteSavedSearchInput, strawberry.argument(description="Which saved search to delete.")
        ],
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
