"""What the log says about refused and failed requests.

Ordinary bad input (a typed GraphQL error, a validation error, a mutation's `userErrors`) is the
client's business: one INFO line, no traceback. An internal error is ours: ERROR with the
traceback; the database being away is ours too, but one ERROR line says it all (graph/outage.py).
Both carry the request id (graph/request_ids.py), which a masked error also gives the client in
`extensions.requestId`, so a report from a user leads to its traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from graphql import GraphQLError
from strawberry.types import ExecutionContext

from graph import outage, request_ids
from models.base.errors import DomainError
from models.base.outage import is_database_unavailable

log = logging.getLogger("command_center.requests")


def is_internal(error: GraphQLError) -> bool:
    """An unexpected exception: typed errors and GraphQL validation errors are not."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def _one_line(text: str) -> str:
    # Messages may quote client input: keep each record on one line.
    return text.replace("\r", " ").replace("\n", " ")


def _where(error: GraphQLError) -> str:
    return ".".join(str(p) for p in error.path) if error.path else "-"


def log_errors(errors: Iterable[GraphQLError], context: ExecutionContext | None) -> None:
    request_id = request_ids.current() or "-"
    operation = (context.operation_name if context else None) or "-"
    for error in errors:
        if error.original_error is not None and is_database_unavailable(error.original_error):
            outage.log_outage(f"{operation} at {_where(error)}", error.original_error)
        elif is_internal(error):
            log.error(
                "request %s: internal error in %s at %s: %s",
                request_id,
                operation,
                _where(error),
                _one_line(error.message),
                exc_info=error.original_error,
            )
        else:
            code = (error.extensions or {}).get("code", "GRAPHQL_VALIDATION_FAILED")
            log.info(
                "request %s: refused %s at %s: %s %s",
                request_id,
                operation,
                _where(error),
                code,
                _one_line(error.message),
            )


def log_user_errors(errors: Iterable[DomainError]) -> None:
    """A mutation's `userErrors`: bad input, one INFO line for all of them."""
    described = "; ".join(f"{e.code.value} {e.field or '-'}: {e.message}" for e in errors)
    log.info("request %s: userErrors: %s", request_ids.current() or "-", _one_line(described))
