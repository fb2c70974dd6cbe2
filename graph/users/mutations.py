"""The caller's API tokens: create one (its secret is shown once) and revoke one."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graph.context import Info
from graph.errors import UserError, user_errors
from graph.relay import require_id
from graph.users.types import ApiToken
from models.base.errors import DomainError
from models.teams import auth


@strawberry.input(description="A new API token for the caller.")
class CreateTokenInput:
    label: str | None = strawberry.field(
        default=None, description="What the token is for (at most 100 characters)."
    )


@strawberry.type(
    description="A new API token and its secret (shown this once), or why it was refused."
)
class CreateTokenPayload:
    token: ApiToken | None = strawberry.field(
        description="The new token's details; null when refused."
    )
    secret: str | None = strawberry.field(
        description="The bearer token itself: shown here once, never stored (only its hash is)."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the request was refused; empty on success."
    )


@strawberry.input(description="The token to revoke.")
class RevokeTokenInput:
    id: strawberry.ID = strawberry.field(description="The token's ID (from `me { tokens }`).")


@strawberry.type(description="The token, revoked: its open WebSockets and SSE streams close.")
class RevokeTokenPayload:
    token: ApiToken | None = strawberry.field(description="The revoked token; null when refused.")
    user_errors: list[UserError] = strawberry.field(
        description="Why the request was refused; empty on success."
    )


@strawberry.type
class UserMutations:
    @strawberry.mutation(description="A new API token of the caller.")
    async def create_token(
        self,
        info: Info,
        input: Annotated[
            CreateTokenInput, strawberry.argument(description="A label for the new token.")
        ],
    ) -> CreateTokenPayload:
        try:
            row, secret = await auth.create_token(info.context.user, input.label)
        except DomainError as error:
            return CreateTokenPayload(token=None, secret=None, user_errors=user_errors(error))
        return CreateTokenPayload(token=ApiToken.of(row), secret=secret, user_errors=[])

    @strawberry.mutation(
        description="Revoke one of the caller's tokens (ADMINs: any of their team's). "
        "Requests with it are refused at once and its live connections close within seconds."
    )
    async def revoke_token(
        self,
        info: Info,
        input: Annotated[
            RevokeTokenInput, strawberry.argument(description="Which token to revoke.")
        ],
    ) -> RevokeTokenPayload:
        try:
            token_id = require_id(input.id, "ApiToken")
            row = await auth.revoke_token_id(info.context.user, token_id)
        except DomainError as error:
            return RevokeTokenPayload(token=None, user_errors=user_errors(error))
        return RevokeTokenPayload(token=ApiToken.of(row), user_errors=[])
