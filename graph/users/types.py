"""GraphQL types for teams and users."""

from __future__ import annotations

from datetime import datetime, time

import strawberry

from graph.context import Info
from graph.enums import Role, Weekday
from graph.relay import Node, to_global_id
from models.teams import working_hours
from models.teams.tables import Team as TeamRow
from models.teams.tables import User as UserRow


@strawberry.type(description="When a user works, in their own time zone (used by campaigns).")
class WorkingHours:
    days: list[Weekday]
    start: time = strawberry.field(description="Local start of the working day.")
    end: time = strawberry.field(description="Local end of the working day (exclusive).")


@strawberry.type(description="A sales team: the boundary of everything a user can see.")
class Team(Node):
    row: strawberry.Private[TeamRow]
    name: str

    @classmethod
    def of(cls, row: TeamRow) -> Team:
        return cls(id=to_global_id("Team", row.id), row=row, name=row.name)

    @strawberry.field(description="Everyone in the team (for assignment and 'view as').")
    async def members(self) -> list[User]:
        rows = await UserRow.filter(team_id=self.row.id).order_by("name", "id")
        return [User.of(r) for r in rows]


@strawberry.type(description="A member of a sales team.")
class User(Node):
    row: strawberry.Private[UserRow]
    email: str
    name: str
    role: Role
    timezone: str = strawberry.field(description="IANA time zone, e.g. Europe/Paris.")
    created_at: datetime

    @classmethod
    def of(cls, row: UserRow) -> User:
        return cls(
            id=to_global_id("User", row.id),
            row=row,
            email=row.email,
            name=row.name,
            role=row.role,
            timezone=row.timezone,
            created_at=row.created_at,
        )

    @strawberry.field(description="Default: Monday to Friday, 09:00 to 17:00.")
    def working_hours(self) -> WorkingHours:
        hours = working_hours.of(self.row.working_hours)
        return WorkingHours(days=list(hours.days), start=hours.start, end=hours.end)

    @strawberry.field
    async def team(self, info: Info) -> Team:
        team = await info.context.loaders.team.load(self.row.team_id)
        assert team is not None
        return Team.of(team)


async def load_user(info: Info, user_id: int) -> User | None:
    row = await info.context.loaders.user.load(user_id)
    return User.of(row) if row is not None and row.team_id == info.context.user.team_id else None
