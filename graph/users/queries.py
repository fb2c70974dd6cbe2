"""Who am I."""

from __future__ import annotations

import strawberry

from graph.context import Info
from graph.users.types import User


@strawberry.type
class UserQueries:
    @strawberry.field(description="The caller.")
    def me(self, info: Info) -> User:
        return User.of(info.context.user)
