"""`updateMe`: the caller's own name, time zone and working hours."""

from __future__ import annotations

from datetime import time
from typing import Annotated

import strawberry

from graph.context import Info
from graph.enums import Weekday
from graph.errors import UserError, user_errors
from graph.users.types import User
from models.base.errors import DomainError, ValidationErrors
from models.teams import profile


@strawberry.input(description="Days of the week and the local start and end of the working day.")
class WorkingHoursInput:
    days: list[Weekday] = strawberry.field(description="The working days (at least one).")
    start: time = strawberry.field(description="Local time, whole minutes, e.g. 09:00.")
    end: time = strawberry.field(description="Local time after `start`, e.g. 17:00.")


@strawberry.input(description="Only the fields given change.")
class UpdateMeInput:
    name: str | None = strawberry.field(
        default=None, description="New display name; null leaves it."
    )
    timezone: str | None = strawberry.field(
        default=None, description="IANA time zone name, e.g. Europe/Paris."
    )
    working_hours: WorkingHoursInput | None = strawberry.field(
        default=None, description="New working days and hours; null leaves them."
    )


@strawberry.type(description="The caller's profile after the change, or why it was refused.")
class UpdateMePayload:
    me: User | None = strawberry.field(
        description="The caller after the change; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the request was refused; empty on success."
    )


@strawberry.type
class ProfileMutations:
    @strawberry.mutation(
        description="Change the caller's name, time zone or working hours. Every 'today', daily "
        "limit and task view follows the time zone."
    )
    async def update_me(
        self,
        info: Info,
        input: Annotated[
            UpdateMeInput,
            strawberry.argument(description="The profile fields to change (omitted fields stay)."),
        ],
    ) -> UpdateMePayload:
        viewer = info.context.user
        hours = input.working_hours
        fields = profile.ProfileFields(name=input.name, timezone=input.timezone)
        if hours is not None:
            fields.working_days, fields.work_starts, fields.work_ends = (
                hours.days,
                hours.start,
                hours.end,
            )
        try:
            row = await profile.update_me(viewer, fields)
        except (DomainError, ValidationErrors) as error:
            return UpdateMePayload(me=None, user_errors=user_errors(error))
        return UpdateMePayload(me=User.of(row), user_errors=[])
