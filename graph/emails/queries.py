"""Reading emails: folder listings, one email, and folder counts."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from graph.context import Info
from graph.emails.columns import columns_for_connection
from graph.emails.types import Email, FolderCounts
from graph.enums import EmailFolder, EmailOrderField, EmailStatus
from graph.errors import or_query_error
from graph.relay import After, Before, Connection, First, Last, decode_id, optional_id
from graph.search.inputs import EmailFilter
from models.base.pagination import Order, paginate
from models.emails import folders
from models.teams import scope


@strawberry.enum(description="Sort direction.")
class OrderDirection(Enum):
    ASC = strawberry.enum_value("ASC", description="Oldest (or smallest) first.")
    DESC = strawberry.enum_value("DESC", description="Newest (or largest) first.")


@strawberry.input(description="Sort order; ties are broken by id, so pages never overlap.")
class EmailOrder:
    field: EmailOrderField = strawberry.field(
        default=EmailOrderField.STATUS_DATE, description="What to sort by."
    )
    direction: OrderDirection = strawberry.field(
        default=OrderDirection.DESC, description="Ascending or descending."
    )

    def to_domain(self) -> Order:
        return Order(self.field.value, descending=self.direction == OrderDirection.DESC)


@strawberry.type
class EmailQueries:
    @strawberry.field(
        description="Emails in a folder or status, newest status date first by default."
    )
    async def emails(
        self,
        info: Info,
        folder: Annotated[
            EmailFolder | None, strawberry.argument(description="Only this folder; null for all.")
        ] = None,
        status: Annotated[
            EmailStatus | None,
            strawberry.argument(
                description="Only this status; null for all (it must belong to `folder` when both "
                "are given)."
            ),
        ] = None,
        filter: Annotated[
            EmailFilter | None,
            strawberry.argument(description="Advanced search conditions (combined with AND)."),
        ] = None,
        order_by: Annotated[
            EmailOrder | None,
            strawberry.argument(description="Sort order; default: newest status date first."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Email]:
        viewer = info.context.user
        order = order_by.to_domain() if order_by else folders.DEFAULT_ORDER
        columns = columns_for_connection(info.selected_fields[0], order.column)

        async def run() -> Connection[Email]:
            domain_filter = filter.to_domain() if filter else None
            query = await folders.email_query(
                viewer, folder=folder, status=status, filter=domain_filter
            )
            rows = query.only(*columns) if columns else query
            page = await paginate(rows, order, first=first, after=after, last=last, before=before)

            async def count() -> int:
                return await folders.count_emails(
                    viewer, folder=folder, status=status, filter=domain_filter
                )

            return Connection[Email].of(page, count, Email.of)

        return await or_query_error(run)

    @strawberry.field(description="One email the caller may see, or null.")
    async def email(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Global ID of the email.")],
    ) -> Email | None:
        pk = decode_id(id, "Email")
        if pk is None:
            return None
        row = await scope.visible_emails(info.context.user).get_or_none(id=pk)
        return Email.of(row) if row else None

    @strawberry.field(
        description="Counts per folder and status. Team admins may pass `viewAs` a teammate."
    )
    async def folder_counts(
        self,
        info: Info,
        view_as: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Team admins: a teammate's user ID, to see their counts; null: the "
                "caller's (admins: the whole team)."
            ),
        ] = None,
    ) -> FolderCounts:
        viewer = info.context.user

        async def run() -> FolderCounts:
            view_as_id = optional_id(view_as, "User", "viewAs")
            counts = await folders.folder_counts(viewer, view_as_id)
            return FolderCounts.of(counts, viewer, view_as_id)

        return await or_query_error(run)
