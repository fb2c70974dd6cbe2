"""GraphQL types for prospects (people) and campaigns."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph.context import Info
from graph.relay import Node, to_global_id
from graph.users.types import User, load_user
from models.campaigns.tables import Campaign as CampaignRow
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
    timezone: str | None = strawberry.field(
        description="IANA time zone: given, or derived from the country and region; null if "
        "unknown (emails scheduled in their time then use the sender's)."
    )
    country: str | None = strawberry.field(description="ISO 3166-1 alpha-2 code, e.g. FR.")
    region: str | None = strawberry.field(description="State or province, e.g. CA or Ontario.")
    unsubscribed: bool = strawberry.field(description="Never sent to while true.")
    unsubscribed_at: datetime | None
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
            timezone=row.timezone,
            country=row.country,
            region=row.region,
            unsubscribed=row.unsubscribed,
            unsubscribed_at=row.unsubscribed_at,
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


@strawberry.type(description="A multi-step sequence; the emails it sends carry it.")
class Campaign(Node):
    row: strawberry.Private[CampaignRow]
    name: str
    created_at: datetime

    @classmethod
    def of(cls, row: CampaignRow) -> Campaign:
        return cls(
            id=to_global_id("Campaign", row.id), row=row, name=row.name, created_at=row.created_at
        )

    @strawberry.field
    async def owner(self, info: Info) -> User | None:
        return await load_user(info, self.row.owner_id)
