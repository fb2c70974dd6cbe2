"""Reading people."""

from __future__ import annotations

from typing import Annotated

import strawberry
from tortoise.expressions import Q

from graph.context import Info
from graph.errors import or_query_error
from graph.people.types import Person
from graph.relay import After, Before, Connection, First, Last, decode_id
from models.base.pagination import Order, paginate
from models.teams import scope

PEOPLE_ORDER = Order("id", descending=True)


@strawberry.input(description="Narrow the people list; conditions combine with AND.")
class PersonFilter:
    text: str | None = strawberry.field(
        default=None, description="In the email address, name or company."
    )
    unsubscribed: bool | None = strawberry.field(
        default=None,
        description="True: only unsubscribed people; false: only subscribed; null: both.",
    )


@strawberry.type
class PeopleQueries:
    @strawberry.field(description="The team's prospects, newest first.")
    async def people(
        self,
        info: Info,
        filter: Annotated[
            PersonFilter | None,
            strawberry.argument(description="Narrow the list; null for everyone."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Person]:
        query = scope.visible_people(info.context.user)
        if filter and filter.text and filter.text.strip():
            text = filter.text.strip()[:200]
            query = query.filter(
                Q(email__icontains=text)
                | Q(first_name__icontains=text)
                | Q(last_name__icontains=text)
                | Q(company__icontains=text)
            )
        if filter and filter.unsubscribed is not None:
            query = query.filter(unsubscribed=filter.unsubscribed)
        page = await or_query_error(
            lambda: paginate(
                query, PEOPLE_ORDER, first=first, after=after, last=last, before=before
            )
        )
        return Connection[Person].of(page, query, Person.of)

    @strawberry.field(description="One person of the team, or null.")
    async def person(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Global ID of the person.")],
    ) -> Person | None:
        pk = decode_id(id, "Person")
        row = await scope.visible_people(info.context.user).get_or_none(id=pk) if pk else None
        return Person.of(row) if row else None
