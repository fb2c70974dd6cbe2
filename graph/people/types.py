"""GraphQL types for prospects (people). Campaigns: graph/campaigns/types.py."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from graph.context import Info
from graph.relay import Node, to_global_id
from graph.users.types import User, load_user
from models.people.bounces import BouncedAddress as BouncedAddressRow
from models.people.tables import Person as PersonRow


@strawberry.type(description="A custom field of a person, usable as a merge field in emails.")
class CustomField:
    key: str = strawberry.field(description="The merge-field name, used as {{key}} in templates.")
    value: str = strawberry.field(description="Its value for this person.")


@strawberry.enum(description="Whether the team's mail reaches an address.")
class DeliverabilityStatus(Enum):
    DELIVERABLE = strawberry.enum_value("DELIVERABLE", description="Nothing stops sending.")
    UNDELIVERABLE = strawberry.enum_value(
        "UNDELIVERABLE",
        description="The address hard-bounced: sends to it are refused until a rep clears it.",
    )


@strawberry.type(description="Whether mail reaches the person's address, and why not.")
class Deliverability:
    row: strawberry.Private[BouncedAddressRow | None]
    status: DeliverabilityStatus = strawberry.field(
        description="DELIVERABLE, or UNDELIVERABLE after a hard bounce."
    )
    reason: str | None = strawberry.field(
        description="The bounce that marked it: the SMTP reply or the report's status."
    )
    since: datetime | None = strawberry.field(description="When it was marked undeliverable.")
    soft_bounces: int = strawberry.field(
        description="Temporary failures in a row (CC_SOFT_BOUNCE_LIMIT of them mark it)."
    )

    @strawberry.field(
        description="The email that bounced (query it with `email(id:)` or `node(id:)`)."
    )
    def email_id(self) -> strawberry.ID | None:
        if self.row is None or self.row.undeliverable_since is None or not self.row.email_id:
            return None
        return to_global_id("Email", self.row.email_id)


@strawberry.type(description="A prospect the team emails.")
class Person(Node):
    row: strawberry.Private[PersonRow]
    email: str = strawberry.field(description="The prospect's address; unique in the team.")
    first_name: str = strawberry.field(
        description="First name; empty string when unknown (merge fields then use their fallback)."
    )
    last_name: str = strawberry.field(description="Last name; empty string when unknown.")
    company: str = strawberry.field(description="Company name; empty string when unknown.")
    title: str = strawberry.field(description="Job title; empty string when unknown.")
    timezone: str | None = strawberry.field(
        description="IANA time zone: given, or derived from the country and region; null if "
        "unknown (emails scheduled in their time then use the sender's)."
    )
    country: str | None = strawberry.field(description="ISO 3166-1 alpha-2 code, e.g. FR.")
    region: str | None = strawberry.field(description="State or province, e.g. CA or Ontario.")
    unsubscribed: bool = strawberry.field(description="Never sent to while true.")
    unsubscribed_at: datetime | None = strawberry.field(
        description="When they unsubscribed, UTC; null while subscribed."
    )
    unsubscribe_reason: str | None = strawberry.field(
        description="Why: the unsubscribe link, a one-click unsubscribe, a spam complaint…"
    )
    created_at: datetime = strawberry.field(description="When the person was added, UTC.")
    updated_at: datetime = strawberry.field(description="When the person last changed, UTC.")

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

    @strawberry.field(
        description="First and last name joined with a space; empty when both are unknown."
    )
    def full_name(self) -> str:
        return self.row.full_name

    @strawberry.field(
        description="Whether mail reaches the address: hard bounces mark it UNDELIVERABLE "
        "(new sends refused, queued ones fail) until corrected or cleared (clearBouncedAddress)."
    )
    async def deliverability(self, info: Info) -> Deliverability:
        row = await info.context.loaders.bounced_address.load(
            (self.row.team_id, self.row.email.lower())
        )
        dead = row is not None and row.undeliverable_since is not None
        return Deliverability(
            row=row,
            status=DeliverabilityStatus.UNDELIVERABLE if dead else DeliverabilityStatus.DELIVERABLE,
            reason=row.reason if dead and row else None,
            since=row.undeliverable_since if row else None,
            soft_bounces=row.soft_bounces if row else 0,
        )

    @strawberry.field(
        description="Extra merge fields of this person (key → value), usable as {{key}} "
        "in templates; empty when none."
    )
    def custom_fields(self) -> list[CustomField]:
        return [CustomField(key=k, value=v) for k, v in sorted(self.row.custom_fields.items())]

    @strawberry.field(description="The rep who added the person; null if that user is gone.")
    async def owner(self, info: Info) -> User | None:
        return await load_user(info, self.row.owner_id)
