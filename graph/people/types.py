"""GraphQL types for prospects (people). Campaigns: graph/campaigns/types.py."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph.context import Info
from graph.relay import Node, to_global_id
from graph.users.types import User, load_user
from models.people.tables import Person as PersonRow


@strawberry.type(description="A custom field of a person, usable as a merge field in emails.")
class CustomField:
    key: str
    value: str


@strawberry.type(description="A prospect the team emails.")
class Person(Node):
    row: strawberry.Private[PersonRow]
    email: str
    first_name: str
    last_name: str
    company: str
    title: str
    unsubscribed: bool = strawberry.field(description="Never sent to while true.")
    unsubscribed_at: datetime | None
    timezone: str | None = strawberry.field(
        description="IANA time zone; campaign steps go out in its send window."
    )
    unsubscribe_reason: str | None = strawberry.field(
        description="Why: the unsubscribe link, a one-click unsubscribe, a spam complaint…"
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: PersonRow) -> Person:
        return cls(
            id=to_global_id("Person", row.id),
            row=row,
            email=row.email,
            first_name=row.first_name,
            last_name=row.last_name,
            company=row.company,
            title=row.title,
            unsubscribed=row.unsubscribed,
            unsubscribed_at=row.unsubscribed_at,
            timezone=row.timezone,
            unsubscribe_reason=row.unsubscribe_reason,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field
    def full_name(self) -> str:
        return self.row.full_name

    @strawberry.field
    def custom_fields(self) -> list[CustomField]:
        return [CustomField(key=k, value=v) for k, v in sorted(self.row.custom_fields.items())]

    @strawberry.field
    async def owner(self, info: Info) -> User | None:
        return await load_user(info, self.row.owner_id)
