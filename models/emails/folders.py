"""The Command Center's email lists: folders, statuses, filters, sort orders, and counts."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tortoise.functions import Sum
from tortoise.queryset import CountQuery, QuerySet, ValuesQuery
from tortoise.transactions import in_transaction

from models.base import zones
from models.base.pagination import Order
from models.emails.counters import StatusCount
from models.emails.tables import FOLDER_STATUSES, Email, EmailFolder, EmailStatus
from models.search import filters as search
from models.teams import scope
from models.teams.tables import User

EmailFilter = search.EmailFilter  # the spec lives with the search rules


class EmailOrderField(StrEnum):
    STATUS_DATE = "status_at"  # the date that matters for the status
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


DEFAULT_ORDER = Order(EmailOrderField.STATUS_DATE.value, descending=True)


async def email_query(
    viewer: User,
    *,
    folder: EmailFolder | None = None,
    status: EmailStatus | None = None,
    filter: EmailFilter | None = None,
) -> QuerySet[Email]:
    """The viewer's emails narrowed by `filter` (models/search/filters.py) and the folder/status."""
    spec = search.with_status(filter or EmailFilter(), folder, status)
    search.validate(spec)
    view_as = await scope.resolve_view_as(viewer, spec.owner_id, "filter.ownerId")
    query = scope.visible_emails(viewer, view_as)
    return search.apply(query, spec, team_id=viewer.team_id, tz=zones.zone(viewer.timezone))


@dataclass(frozen=True)
class FolderCounts:
    by_status: dict[EmailStatus, int]

    def status(self, status: EmailStatus) -> int:
        return self.by_status.get(status, 0)

    def folder(self, folder: EmailFolder) -> int:
        return sum(self.status(s) for s in FOLDER_STATUSES[folder])

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def counts_scope(viewer: User, view_as_id: int | None = None) -> str:
    """Whose emails `folder_counts(viewer, view_as_id)` counts, as a stable key: the same for
    every viewer looking at the same emails, so clients can cache the counts under one id."""
    if view_as_id is not None:
        return f"user:{view_as_id}"
    return f"team:{viewer.team_id}" if viewer.sees_whole_team else f"user:{viewer.id}"


async def folder_counts(viewer: User, view_as_id: int | None = None) -> FolderCounts:
    """Counts from the maintained counters: a handful of rows whatever the number of emails."""
    view_as = await scope.resolve_view_as(viewer, view_as_id)
    rows = StatusCount.filter(team_id=viewer.team_id)
    if view_as is not None:
        rows = rows.filter(owner_id=view_as.id)
    elif not viewer.sees_whole_team:
        rows = rows.filter(owner_id=viewer.id)
    totals = await rows.group_by("status").annotate(total=Sum("count")).values("status", "total")
    return FolderCounts({EmailStatus(r["status"]): int(r["total"] or 0) for r in totals})


async def count_query(
    viewer: User,
    *,
    folder: EmailFolder | None = None,
    status: EmailStatus | None = None,
    filter: EmailFilter | None = None,
) -> tuple[ValuesQuery[Any] | CountQuery, bool]:
    """The query counting a listing, and whether it is a SUM over the maintained counters (a
    handful of rows whatever the number of emails; null when none match) rather than one
    COUNT(*). The compiled listing path (graph/compiled/) embeds its SQL; `count_emails` runs it."""
    filter = filter or EmailFilter()
    if filter.only_narrows_by_owner():
        view_as = await scope.resolve_view_as(viewer, filter.owner_id)
        rows = StatusCount.filter(team_id=viewer.team_id)
        if view_as is not None:
            rows = rows.filter(owner_id=view_as.id)
        elif not viewer.sees_whole_team:
            rows = rows.filter(owner_id=viewer.id)
        if status is not None:
            rows = rows.filter(status=status)
        elif folder is not None:
            rows = rows.filter(status__in=list(FOLDER_STATUSES[folder]))
        return rows.annotate(total=Sum("count")).values("total"), True
    query = await email_query(viewer, folder=folder, status=status, filter=filter)
    return query.count(), False


async def count_emails(
    viewer: User,
    *,
    folder: EmailFolder | None = None,
    status: EmailStatus | None = None,
    filter: EmailFilter | None = None,
) -> int:
    """The size of a listing: from the counters when they can tell, else one COUNT(*)."""
    query, _ = await count_query(viewer, folder=folder, status=status, filter=filter)
    if isinstance(query, CountQuery):
        return await planned_count(query)
    totals = await query
    return int(totals[0]["total"] or 0) if totals else 0


async def planned_count(query: CountQuery) -> int:
    """`query`, planned for its own parameters on PostgreSQL.

    A prepared statement (the driver caches them) switches to a generic plan after five runs,
    costed for an average owner and window. Owners are skewed (the busiest rep has a third of a
    team's emails), and for them that plan reads the email table through a bitmap of the
    (team, owner) index, slower than the table scan the parameters call for: a saved search's
    count took 1.3-1.7× the same SQL with literal values at 1M emails. A COUNT over many rows
    costs far more than planning it, so it is always planned afresh (in a transaction of its
    own for the SET LOCAL: three more round trips, under a millisecond). The query has not
    chosen its connection yet, so inside the transaction it runs on the transaction's."""
    if Email._meta.db.capabilities.dialect != "postgres":
        return int(await query)
    async with in_transaction() as conn:
        await conn.execute_script("SET LOCAL plan_cache_mode = force_custom_plan")
        return int(await query)
