"""Scheduling "at 09:00 their time": a local date-time in the recipient's time zone.

The recipient's zone is their person's `timezone` (the email's person, else the team's person with
the first `to` address). When it is unknown the sender's own zone is used, and the answer says so,
so the rep can see that "09:00" meant their 09:00. DST is handled by `models.base.zones.at_local`
(a time in the spring-forward gap moves forward; a repeated time takes the first).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from models.base import zones
from models.base.errors import DomainError, ErrorCode
from models.emails import commands
from models.emails.tables import Email
from models.people.tables import Person
from models.teams import scope
from models.teams.tables import User


class ZoneSource(StrEnum):
    RECIPIENT = "RECIPIENT"  # the recipient's own time zone
    SENDER = "SENDER"  # the recipient's zone is unknown: the sender's was used


@dataclass(frozen=True)
class LocalSendTime:
    local: datetime  # the wall-clock time asked for (naive)
    zone: str
    source: ZoneSource
    at: datetime  # the instant it means (UTC)
    adjustment: zones.DstAdjustment


async def recipient_zone(viewer: User, email: Email) -> str | None:
    person: Person | None = None
    if email.person_id is not None:
        person = await Person.get_or_none(id=email.person_id, team_id=email.team_id)
    elif email.to_addresses:
        person = await scope.visible_people(viewer).get_or_none(email=email.to_addresses[0])
    return person.timezone if person is not None and person.timezone else None


async def resolve(viewer: User, email: Email, local: datetime, field: str) -> LocalSendTime:
    if local.tzinfo is not None:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "With recipientTimeZone, give a local date-time without an offset, "
            "e.g. 2026-12-01T09:00:00.",
            field,
        )
    zone = await recipient_zone(viewer, email)
    source = ZoneSource.RECIPIENT
    if zone is None:
        zone, source = viewer.timezone, ZoneSource.SENDER
    instant = zones.at_local(local, zones.zone(zone))
    return LocalSendTime(local, zone, source, instant.at, instant.adjustment)


async def schedule_in_recipient_zone(
    viewer: User, email_id: int, local: datetime, expected_version: int | None
) -> tuple[Email, LocalSendTime]:
    """`scheduleEmail` with a local time: resolved here, then scheduled like any other time."""
    email = await scope.get_email(viewer, email_id)
    when = await resolve(viewer, email, local, "sendAt")
    scheduled = await commands.schedule_email(viewer, email_id, when.at, expected_version)
    return scheduled, when
