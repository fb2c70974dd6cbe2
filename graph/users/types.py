"""GraphQL types for teams and users."""

from __future__ import annotations

from datetime import datetime, time

import strawberry

from graph.context import Info
from graph.enums import Role, Weekday
from graph.errors import TypedGraphQLError, or_query_error
from graph.relay import After, Before, Connection, First, Last, Node, to_global_id
from models.base.pagination import Order, paginate
from models.teams import auth, working_hours
from models.teams.tables import ApiToken as ApiTokenRow
from models.teams.tables import Role as RoleRow
from models.teams.tables import Team as TeamRow
from models.teams.tables import User as UserRow

MEMBERS_ORDER = Order("name", descending=False)


@strawberry.type(
    description="An API token (its secret is shown once, by createToken, and never again)."
)
class ApiToken:
    row: strawberry.Private[ApiTokenRow]
    id: strawberry.ID = strawberry.field(
        description="The token's ID, for revokeToken (never the secret)."
    )
    label: str = strawberry.field(
        description="The name given when it was created, to tell tokens apart."
    )
    created_at: datetime = strawberry.field(description="When it was created, UTC.")
    last_used_at: datetime | None = strawberry.field(
        description="When it last authenticated a request (kept to the minute)."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When it was revoked, UTC; null while it works."
    )

    @classmethod
    def of(cls, row: ApiTokenRow) -> ApiToken:
        return cls(
            row=row,
            id=to_global_id("ApiToken", row.id),
            label=row.label,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
        )


@strawberry.type(description="When a user works, in their own time zone (used by campaigns).")
class WorkingHours:
    days: list[Weekday] = strawberry.field(description="The working days, Monday first.")
    start: time = strawberry.field(description="Local start of the working day.")
    end: time = strawberry.field(description="Local end of the working day (exclusive).")


@strawberry.type(description="A sales team: the boundary of everything a user can see.")
class Team(Node):
    row: strawberry.Private[TeamRow]
    name: str = strawberry.field(description="The team's name.")

    @classmethod
    def of(cls, row: TeamRow) -> Team:
        return cls(id=to_global_id("Team", row.id), row=row, name=row.name)

    @strawberry.field(
        description="Everyone in the team (for assignment and 'view as'), by name, then by "
        "creation for equal names."
    )
    async def members(
        self, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[User]:
        query = UserRow.filter(team_id=self.row.id)

        async def run() -> Connection[User]:
            page = await paginate(
                query, MEMBERS_ORDER, first=first, after=after, last=last, before=before
            )
            return Connection[User].of(page, query, User.of)

        return await or_query_error(run)


@strawberry.type(description="A member of a sales team.")
class User(Node):
    row: strawberry.Private[UserRow]
    email: str = strawberry.field(description="The user's sign-in and sending address.")
    name: str = strawberry.field(description="Display name, used as the sender's name.")
    role: Role = strawberry.field(description="What the user may see and do in the team.")
    timezone: str = strawberry.field(description="IANA time zone, e.g. Europe/Paris.")
    created_at: datetime = strawberry.field(description="When the user was created, UTC.")

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

    @strawberry.field(
        description="The user's live API tokens, newest first: the user's own, or any "
        "teammate's for ADMINs."
    )
    async def tokens(self, info: Info) -> list[ApiToken]:
        viewer = info.context.user
        if self.row.id != viewer.id and not (
            viewer.role is RoleRow.ADMIN and viewer.team_id == self.row.team_id
        ):
            raise TypedGraphQLError("Only the user and team ADMINs see tokens.", "FORBIDDEN")
        return [ApiToken.of(row) for row in await auth.list_tokens(self.row)]

    @strawberry.field(description="Default: Monday to Friday, 09:00 to 17:00.")
    def working_hours(self) -> WorkingHours:
        hours = working_hours.of(self.row.working_hours)
        return WorkingHours(days=list(hours.days), start=hours.start, end=hours.end)

    @strawberry.field(description="The user's team.")
    async def team(self, info: Info) -> Team:
        team = await info.context.loaders.team.load(self.row.team_id)
        assert team is not None
        return Team.of(team)


async def load_user(info: Info, user_id: int) -> User | None:
    row = await info.context.loaders.user.load(user_id)
    return User.of(row) if row is not None and row.team_id == info.context.user.team_id else None
