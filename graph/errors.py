"""How refusals reach clients.

Mutations report problems as `userErrors { field message code }` in their payload; queries raise a
GraphQL error whose `extensions.code` is one of the same codes (or UNAUTHENTICATED).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError

from graph import request_log
from graph.enums import ErrorCode
from graph.error_log import log_user_errors
from models.base.errors import DomainError, ValidationErrors

UserErrorCode = ErrorCode  # registered (with each value described) in graph.enums


@strawberry.type(description="A problem with the input of a mutation. Nothing was changed.")
class UserError:
    field: str | None = strawberry.field(
        description="The input field at fault (camelCase), when there is one."
    )
    message: str = strawberry.field(
        description="What is wrong, for people (English); match on `code`, not on this text."
    )
    code: ErrorCode = strawberry.field(description="What is wrong, for programs.")


def user_errors(error: DomainError | ValidationErrors) -> list[UserError]:
    errors = error.errors if isinstance(error, ValidationErrors) else [error]
    log_user_errors(errors)
    request_log.note_user_errors()  # the request's outcome: user_error
    return [UserError(field=e.field, message=e.message, code=e.code) for e in errors]


class TypedGraphQLError(GraphQLError):
    """An expected error with a machine-readable `extensions.code`; never masked."""

    def __init__(self, message: str, code: str, field: str | None = None) -> None:
        extensions: dict[str, Any] = {"code": code}
        if field:
            extensions["field"] = field
        super().__init__(message, extensions=extensions)


def unauthenticated() -> TypedGraphQLError:
    return TypedGraphQLError("A valid API token is required.", "UNAUTHENTICATED")


def query_error(error: DomainError) -> TypedGraphQLError:
    return TypedGraphQLError(error.message, error.code.value, error.field)


T = TypeVar("T")


async def or_query_error(call: Callable[[], Awaitable[T]]) -> T:
    """Run a domain call from a query resolver, turning a refusal into a typed GraphQL error."""
    try:
        return await call()
    except DomainError as error:
        raise query_error(error) from None
    except ValidationErrors as errors:
        raise query_error(errors.errors[0]) from None
