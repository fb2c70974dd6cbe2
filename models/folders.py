"""The Command Center's email lists: folders, statuses, filters, sort orders, and counts."""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum

from tortoise.expressions import Q
from tortoise.functions import Sum
from tortoise.queryset import QuerySet

from models import scope
from models.counters import StatusCount
from models.email import FOLDER_STATUSES, Email, EmailFolder, EmailStatus, folder_of
from models.errors import DomainError, ErrorCode
from models.pagination import Order
from models.team import User

MAX_TEXT_QUERY = 200


class EmailOrderField(StrEnum):
    STATUS_DATE = "status_at"  # the date that matters for the status
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


DEFAULT_ORDER = Order(EmailOrderField.STATUS_DATE.value, descending=True)


@dataclass
class EmailFilter:
    person_id: int | None = None
    campaign_id: int | None = None
    group_id: str | None = None
    text: str | None = None  # in subject or any recipient address
    owner_id: int | None = None  # "view as" a teammate (admins)

    def only_narrows_by_owner(self) -> bool:
        """True when no condition but the owner applies: the counters then know the size."""
        return all(
            getattr(self, f.name) in (None, "") for f in fields(self) if f.name != "owner_id"
        )


async def email_query(
    viewer: User,
    *,
    folder: EmailFolder | None = None,
    status: EmailStatus | None = None,
    filter: EmailFilter | None = None,
) -> QuerySet[Email]:
    filter = filter or EmailFilter()
    view_as = await scope.resolve_view_as(viewer, filter.owner_id, "filter.ownerId")
    query = scope.visible_emails(viewer, view_as)
    if status is not None:
        if folder is not None and folder_of(status) is not folder:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                f"Status {status.value} is in the {folder_of(status).value} folder, "
                f"not {folder.value}.",
                "status",
            )
        query = query.filter(status=status)
    elif folder is not None:
        query = query.filter(status__in=list(FOLDER_STATUSES[folder]))
    if filter.person_id is not None:
        query = query.filter(person_id=filter.person_id)
    if filter.campaign_id is not None:
        query = query.filter(campaign_id=filter.campaign_id)
    if filter.group_id is not None:
        query = query.filter(group_id=filter.group_id)
    if filter.text:
        text = filter.text.strip().lower()
        if len(text) > MAX_TEXT_QUERY:
            raise DomainError(ErrorCode.TOO_LONG, "The search text is too long.", "filter.text")
        if text:
            query = query.filter(Q(subject__icontains=text) | Q(recipients_text__contains=text))
    return query


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


async def count_emails(
    viewer: User,
    *,
    folder: EmailFolder | None = None,
    status: EmailStatus | None = None,
    filter: EmailFilter | None = None,
) -> int:
    """The size of a listing: from the counters when they can tell, else one COUNT(*)."""
    filter = filter or EmailFilter()
    if filter.only_narrows_by_owner():
        counts = await folder_counts(viewer, filter.owner_id)
        if status is not None:
            return counts.status(status)
        return counts.folder(folder) if folder is not None else counts.total
    query = await email_query(viewer, folder=folder, status=status, filter=filter)
    return await query.count()
