"""Creating and editing people."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry

from graph.context import Info
from graph.errors import UserError, user_errors
from graph.people.types import Person
from graph.relay import require_id
from models.base.errors import DomainError, ValidationErrors
from models.people import commands as people
from models.people.tables import Person as PersonRow


@strawberry.input(description="A custom field; a later value for the same key wins.")
class CustomFieldInput:
    key: str = strawberry.field(description="Merge-field name, used as {{key}} in templates.")
    value: str = strawberry.field(description="Its value for this person.")


@strawberry.input(description="A new prospect of the team.")
class CreatePersonInput:
    email: str = strawberry.field(
        description="The prospect's address; must be new to the team (DUPLICATE otherwise)."
    )
    first_name: str | None = strawberry.field(
        default=None, description="First name, for {{first_name}}."
    )
    last_name: str | None = strawberry.field(
        default=None, description="Last name, for {{last_name}}."
    )
    company: str | None = strawberry.field(default=None, description="Company, for {{company}}.")
    title: str | None = strawberry.field(default=None, description="Job title, for {{title}}.")
    custom_fields: list[CustomFieldInput] | None = strawberry.field(
        default=None, description="Extra merge fields (key → value)."
    )
    timezone: str | None = strawberry.field(
        default=None, description='IANA time zone name; "" clears. Wins over derivation.'
    )
    country: str | None = strawberry.field(
        default=None,
        description="ISO 3166-1 alpha-2; with `region`, derives the time zone when it is not "
        "given and the place has one (see README).",
    )
    region: str | None = strawberry.field(
        default=None,
        description="Subdivision of `country` (e.g. a US state), to pick among its time zones.",
    )


@strawberry.input(description="Only the fields given change. customFields replaces the whole set.")
class UpdatePersonInput:
    id: strawberry.ID = strawberry.field(description="Global ID of the person.")
    email: str | None = strawberry.field(default=None, description="New address; null leaves it.")
    first_name: str | None = strawberry.field(
        default=None, description="New first name; null leaves it."
    )
    last_name: str | None = strawberry.field(
        default=None, description="New last name; null leaves it."
    )
    company: str | None = strawberry.field(default=None, description="New company; null leaves it.")
    title: str | None = strawberry.field(default=None, description="New job title; null leaves it.")
    custom_fields: list[CustomFieldInput] | None = strawberry.field(
        default=None, description="Replaces all custom fields; null leaves them."
    )
    timezone: str | None = strawberry.field(
        default=None, description='IANA time zone name; "" clears. Wins over derivation.'
    )
    country: str | None = strawberry.field(
        default=None,
        description="ISO 3166-1 alpha-2; with `region`, derives the time zone when it is not "
        "given and the place has one (see README).",
    )
    region: str | None = strawberry.field(
        default=None, description='New region ("" clears it); null leaves it.'
    )
    unsubscribed: bool | None = strawberry.field(
        default=None, description="Set or clear the unsubscribed flag; null leaves it."
    )


@strawberry.input(description="The person whose current address may be sent to again.")
class ClearBouncedAddressInput:
    person_id: strawberry.ID = strawberry.field(
        description="Global ID of the person whose address bounced."
    )


@strawberry.type(description="A person after a change, or why it was refused.")
class PersonPayload:
    person: Person | None = strawberry.field(
        description="The person after the change; null when refused (see userErrors)."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the request was refused; empty on success."
    )


def _fields(data: CreatePersonInput | UpdatePersonInput) -> people.PersonFields:
    return people.PersonFields(
        email=data.email,
        first_name=data.first_name,
        last_name=data.last_name,
        company=data.company,
        title=data.title,
        custom_fields=(
            {f.key: f.value for f in data.custom_fields} if data.custom_fields is not None else None
        ),
        unsubscribed=getattr(data, "unsubscribed", None),
        timezone=data.timezone,
        country=data.country,
        region=data.region,
    )


async def _payload(call: Callable[[], Awaitable[PersonRow]]) -> PersonPayload:
    try:
        return PersonPayload(person=Person.of(await call()), user_errors=[])
    except (DomainError, ValidationErrors) as error:
        return PersonPayload(person=None, user_errors=user_errors(error))


@strawberry.type
class PeopleMutations:
    @strawberry.mutation(description="Add a prospect to the team.")
    async def create_person(
        self,
        info: Info,
        input: Annotated[CreatePersonInput, strawberry.argument(description="The new prospect.")],
    ) -> PersonPayload:
        viewer = info.context.user
        return await _payload(lambda: people.create_person(viewer, _fields(input)))

    @strawberry.mutation(description="Edit a prospect.")
    async def update_person(
        self,
        info: Info,
        input: Annotated[
            UpdatePersonInput,
            strawberry.argument(
                description="Which person, and the fields to change (omitted fields stay)."
            ),
        ],
    ) -> PersonPayload:
        viewer = info.context.user
        return await _payload(
            lambda: people.update_person(viewer, require_id(input.id, "Person"), _fields(input))
        )

    @strawberry.mutation(
        description="Forget the bounces of the person's current address (after checking it): "
        "it may be sent to again. A corrected address (updatePerson) needs no clearing."
    )
    async def clear_bounced_address(
        self,
        info: Info,
        input: Annotated[
            ClearBouncedAddressInput,
            strawberry.argument(description="Whose address to mark deliverable again."),
        ],
    ) -> PersonPayload:
        viewer = info.context.user
        return await _payload(
            lambda: people.clear_bounced_address(
                viewer, require_id(input.person_id, "Person", "personId")
            )
        )
