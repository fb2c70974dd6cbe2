"""Saving, changing and reading saved searches. Each user has their own (at most
`max_saved_searches`); another user's or team's search is reported as not found."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from config.settings import get_settings
from models.base import clock
from models.base.errors import DomainError, ErrorCode, not_found
from models.base.text import check_line
from models.emails import folders
from models.emails.tables import Email
from models.search import filters as search
from models.search.tables import SavedSearch
from models.teams import scope
from models.teams.tables import User

MAX_NAME = 200


@dataclass
class SavedSearchFields:
    name: str | None = None
    filter: search.EmailFilter | None = None


def visible_saved_searches(viewer: User) -> QuerySet[SavedSearch]:
    return SavedSearch.filter(team_id=viewer.team_id, owner_id=viewer.id)


async def get_saved_search(viewer: User, search_id: int, field: str = "id") -> SavedSearch:
    row = await visible_saved_searches(viewer).get_or_none(id=search_id)
    if row is None:
        raise not_found("Saved search", field)
    return row


def _name(value: str) -> str:
    name = value.strip()
    if not name:
        raise DomainError(ErrorCode.REQUIRED, "A saved search needs a name.", "name")
    if len(name) > MAX_NAME:
        raise DomainError(ErrorCode.TOO_LONG, f"At most {MAX_NAME} characters.", "name")
    check_line(name, "name")
    return name


async def _checked(viewer: User, spec: search.EmailFilter) -> search.EmailFilter:
    """Validated as `emails(filter:)` would, so a saved search can always run."""
    search.validate(spec)
    await scope.resolve_view_as(viewer, spec.owner_id, "filter.ownerId")
    return spec


async def save_search(viewer: User, fields: SavedSearchFields) -> SavedSearch:
    name = _name(fields.name or "")
    spec = await _checked(viewer, fields.filter or search.EmailFilter())
    limit = get_settings().max_saved_searches
    at = clock.now()
    try:
        async with in_transaction() as conn:
            # Lock the owner row so two concurrent saves cannot both pass the limit.
            await User.filter(id=viewer.id).using_db(conn).select_for_update().first()
            if await visible_saved_searches(viewer).using_db(conn).count() >= limit:
                raise DomainError(
                    ErrorCode.SAVED_SEARCH_LIMIT_REACHED,
                    f"At most {limit} saved searches per user; delete one first.",
                )
            return await SavedSearch.create(
                team_id=viewer.team_id,
                owner_id=viewer.id,
                name=name,
                conditions=spec.to_json(),
                created_at=at,
                updated_at=at,
                using_db=conn,
            )
    except IntegrityError:
        raise _duplicate() from None


def _duplicate() -> DomainError:
    return DomainError(ErrorCode.DUPLICATE, "You already have a search with this name.", "name")


async def update_saved_search(
    viewer: User, search_id: int, fields: SavedSearchFields
) -> SavedSearch:
    row = await get_saved_search(viewer, search_id)
    if fields.name is not None:
        row.name = _name(fields.name)
    if fields.filter is not None:
        row.conditions = (await _checked(viewer, fields.filter)).to_json()
    row.updated_at = clock.now()
    try:
        await row.save()
    except IntegrityError:
        raise _duplicate() from None
    return row


async def delete_saved_search(viewer: User, search_id: int) -> int:
    row = await get_saved_search(viewer, search_id)
    await row.delete()
    return search_id


async def results(viewer: User, row: SavedSearch) -> QuerySet[Email]:
    """The current matches: the stored filter re-run (a dynamic list)."""
    return await folders.email_query(viewer, filter=row.spec)


async def count(viewer: User, row: SavedSearch) -> int:
    return await folders.count_emails(viewer, filter=row.spec)
