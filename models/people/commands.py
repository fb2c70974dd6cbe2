"""Creating and editing prospects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tortoise.exceptions import IntegrityError

from models.base import zones
from models.base.addresses import normalise_address
from models.base.errors import DomainError, ErrorCode, ValidationErrors
from models.base.text import bad_character, invalid_character
from models.people import bounces, regions
from models.people.tables import Person
from models.teams import scope
from models.teams.tables import User

MAX_NAME = 100
MAX_TEXT = 200
MAX_CUSTOM_FIELDS = 50
MAX_REGION = 64


@dataclass
class PersonFields:
    """`None` leaves a field as it is (on update)."""

    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    title: str | None = None
    custom_fields: dict[str, str] | None = None
    unsubscribed: bool | None = None
    # Where they are; "" clears. A given timezone wins; else a given country/region re-derives it.
    timezone: str | None = None
    country: str | None = None
    region: str | None = None
    set_fields: set[str] = field(default_factory=set)


def _validated(fields: PersonFields) -> dict[str, Any]:
    values: dict[str, Any] = {}
    problems: list[DomainError] = []
    if fields.email is not None:
        try:
            values["email"] = normalise_address(fields.email, "email")
        except DomainError as error:
            problems.append(error)
    for name, column, limit in (
        ("firstName", "first_name", MAX_NAME),
        ("lastName", "last_name", MAX_NAME),
        ("company", "company", MAX_TEXT),
        ("title", "title", MAX_TEXT),
    ):
        value = getattr(fields, column)
        if value is None:
            continue
        if len(value) > limit:
            problems.append(DomainError(ErrorCode.TOO_LONG, f"At most {limit} characters.", name))
        elif (char := bad_character(value)) is not None:
            problems.append(invalid_character(char, name))
        else:
            values[column] = value.strip()
    if fields.custom_fields is not None:
        bad = [k for k in fields.custom_fields if not k.isidentifier() or len(k) > 64]
        bad_value = next(
            (v for v in fields.custom_fields.values() if bad_character(str(v)) is not None), None
        )
        if bad_value is not None:
            char = bad_character(str(bad_value)) or ""
            problems.append(invalid_character(char, "customFields"))
        elif bad:
            problems.append(
                DomainError(
                    ErrorCode.INVALID_INPUT,
                    f"Custom field names must be identifiers (letters, digits, _): {bad[0]!r}.",
                    "customFields",
                )
            )
        elif len(fields.custom_fields) > MAX_CUSTOM_FIELDS:
            problems.append(
                DomainError(
                    ErrorCode.TOO_LONG,
                    f"At most {MAX_CUSTOM_FIELDS} custom fields.",
                    "customFields",
                )
            )
        else:
            values["custom_fields"] = {k: str(v) for k, v in fields.custom_fields.items()}
    if fields.unsubscribed is not None:
        values["unsubscribed"] = fields.unsubscribed
    problems.extend(_place(fields, values))
    if problems:
        raise ValidationErrors(problems)
    return values


def _place(fields: PersonFields, values: dict[str, Any]) -> list[DomainError]:
    """Time zone, country and region into `values`; the problems found."""
    problems: list[DomainError] = []
    if fields.timezone is not None:
        try:
            values["timezone"] = (
                zones.check_zone(fields.timezone, "timezone") if fields.timezone.strip() else None
            )
        except DomainError as error:
            problems.append(error)
    if fields.country is not None:
        country = fields.country.strip().upper()
        if country and country not in regions.countries():
            problems.append(
                DomainError(
                    ErrorCode.INVALID_INPUT,
                    "Give the country as an ISO 3166-1 alpha-2 code, e.g. FR or US.",
                    "country",
                )
            )
        values["country"] = country or None
    if fields.region is not None:
        region = fields.region.strip()
        if len(region) > MAX_REGION:
            problems.append(
                DomainError(ErrorCode.TOO_LONG, f"At most {MAX_REGION} characters.", "region")
            )
        values["region"] = region or None
    return problems


def _derive_zone(values: dict[str, Any], person: Person | None) -> None:
    """A new country or region re-derives the zone, unless one was given with it."""
    if "timezone" in values or not ("country" in values or "region" in values):
        return
    country = values.get("country", person.country if person else None)
    region = values.get("region", person.region if person else None)
    values["timezone"] = regions.derive(country, region)


def _duplicate(email: object) -> DomainError:
    return DomainError(
        ErrorCode.DUPLICATE, f"A person with the address {email} already exists.", "email"
    )


async def create_person(viewer: User, fields: PersonFields) -> Person:
    if fields.email is None:
        raise DomainError(ErrorCode.REQUIRED, "An email address is required.", "email")
    values = _validated(fields)
    _derive_zone(values, None)
    if await scope.visible_people(viewer).filter(email=values["email"]).exists():
        raise _duplicate(values["email"])
    try:
        return await Person.create(team_id=viewer.team_id, owner_id=viewer.id, **values)
    except IntegrityError:  # lost a race with an identical create
        raise _duplicate(values["email"]) from None


async def update_person(viewer: User, person_id: int, fields: PersonFields) -> Person:
    person = await scope.get_person(viewer, person_id, "id")
    values = _validated(fields)
    _derive_zone(values, person)
    if (
        "email" in values
        and values["email"] != person.email
        and await scope.visible_people(viewer).filter(email=values["email"]).exists()
    ):
        raise _duplicate(values["email"])
    if values:
        try:
            await Person.filter(id=person.id).update(**values)
        except IntegrityError:
            raise _duplicate(values["email"]) from None
    return await Person.get(id=person.id)


async def clear_bounced_address(viewer: User, person_id: int) -> Person:
    """A rep vouches for the person's current address: its bounces are forgotten and it may be
    sent to again. (Correcting the address with updatePerson needs no clearing: the new address
    has no bounces, and the dead one stays marked.)"""
    person = await scope.get_person(viewer, person_id, "id")
    await bounces.clear(person.team_id, person.email)
    return person
