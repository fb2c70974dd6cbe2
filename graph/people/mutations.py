"""Creating and editing people."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

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
    key: str
    value: str


@strawberry.input
class CreatePersonInput:
    email: str
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    title: str | None = None
    custom_fields: list[CustomFieldInput] | None = None
    timezone: str | None = strawberry.field(
        default=None, description='IANA time zone name; "" clears. Wins over derivation.'
    )
    country: str | None = strawberry.field(
        default=None,
        description="ISO 3166-1 alpha-2; with `region`, derives the time zone when it is not "
        "given and the place has one (see README).",
    )
    region: str | None = None


@strawberry.input(description="Only the fields given change. customFields replaces the whole set.")
class UpdatePersonInput:
    id: strawberry.ID
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    title: str | None = None
    custom_fields: list[CustomFieldInput] | None = None
    timezone: str | None = strawberry.field(
        default=None, description='IANA time zone name; "" clears. Wins over derivation.'
    )
    country: str | None = strawberry.field(
        default=None,
        description="ISO 3166-1 alpha-2; with `region`, derives the time zone when it is not "
        "given and the place has one (see README).",
    )
    region: str | None = None
    unsubscribed: bool | None = None


@strawberry.input(description="The person whose current address may be sent to again.")
class ClearBouncedAddressInput:
    person_id: strawberry.ID


@strawberry.type
class PersonPayload:
    person: Person | None
    user_errors: list[UserError]


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
    async def create_person(self, info: Info, input: CreatePersonInput) -> PersonPayload:
        viewer = info.context.user
        return await _payload(lambda: people.create_person(viewer, _fields(input)))

    @strawberry.mutation(description="Edit a prospect.")
    async def update_person(self, info: Info, input: UpdatePersonInput) -> PersonPayload:
        viewer = info.context.user
        return await _payload(
            lambda: people.update_person(viewer, require_id(input.id, "Person"), _fields(input))
        )

    @strawberry.mutation(
        description="Forget the bounces of the person's current address (after checking it): "
        "it may be sent to again. A corrected address (updatePerson) needs no clearing."
    )
    async def clear_bounced_address(
        self, info: Info, input: ClearBouncedAddressInput
    ) -> PersonPayload:
        viewer = info.context.user
        return await _payload(
            lambda: people.clear_bounced_address(
                viewer, require_id(input.person_id, "Person", "personId")
            )
        )
