"""What users change about themselves: name, time zone, working hours (`updateMe`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any

from models.base import hooks, zones
from models.base.errors import DomainError, ErrorCode, ValidationErrors
from models.base.text import bad_character, invalid_character
from models.teams import working_hours
from models.teams.revocations import UserChanged
from models.teams.tables import User
from models.teams.token_cache import tokens as token_cache

MAX_NAME = 200


@dataclass
class ProfileFields:
    """`None` leaves a field as it is."""

    name: str | None = None
    timezone: str | None = None
    working_days: list[working_hours.Weekday] | None = None  # with the two times below
    work_starts: time | None = None
    work_ends: time | None = None


async def update_me(user: User, fields: ProfileFields) -> User:
    values: dict[str, Any] = {}
    problems: list[DomainError] = []
    if fields.name is not None:
        name = fields.name.strip()
        if len(name) > MAX_NAME:
            problems.append(
                DomainError(ErrorCode.TOO_LONG, f"At most {MAX_NAME} characters.", "name")
            )
        elif (char := bad_character(name)) is not None:
            problems.append(invalid_character(char, "name"))
        values["name"] = name
    if fields.timezone is not None:
        try:
            values["timezone"] = zones.check_zone(fields.timezone, "timezone")
        except DomainError as error:
            problems.append(error)
    if (
        fields.working_days is not None
        and fields.work_starts is not None
        and fields.work_ends is not None
    ):
        try:
            hours = working_hours.checked(
                fields.working_days, fields.work_starts, fields.work_ends, "workingHours"
            )
            values["working_hours"] = hours.to_json()
        except ValidationErrors as errors:
            problems.extend(errors.errors)
    if problems:
        raise ValidationErrors(problems)
    if values:
        await User.filter(id=user.id).update(**values)
        # Tokens kept in memory hold the user as it was: dropped here and in every process.
        token_cache.forget_user(user.id)
        await hooks.users_changed([UserChanged(user_id=user.id, team_id=user.team_id)])
    return await User.get(id=user.id)
