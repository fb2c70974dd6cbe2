"""What clients get while the database is away (models.base.outage decides what counts).

- GraphQL over HTTP: an error with `extensions { code: SERVICE_UNAVAILABLE requestId }`, HTTP 503
  and `Retry-After`, whether the outage hit authentication (before the operation) or a resolver.
  Over WebSocket the same error arrives in the operation's messages; a socket that cannot even be
  authenticated closes with 1013 "Try Again Later" (not 4403: the token may be fine).
- The public routes (tracking, unsubscribe, POST /inbound) answer in their own kind; see there.

Never the driver's text: it names hosts, databases and files. The log gets it, with the request id.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from graphql import GraphQLError
from starlette.responses import Response

from graph import request_ids
from models.base.errors import ErrorCode
from models.base.outage import RETRY_AFTER_SECONDS, is_database_unavailable, summary

CODE = ErrorCode.SERVICE_UNAVAILABLE.value
MESSAGE = "The service is temporarily unavailable; please retry shortly."
RETRY_AFTER = {"Retry-After": str(RETRY_AFTER_SECONDS)}
WS_TRY_AGAIN_LATER = 1013  # RFC 6455 registry: "Try Again Later"

log = logging.getLogger("command_center.requests")

__all__ = [
    "CODE",
    "MESSAGE",
    "RETRY_AFTER",
    "WS_TRY_AGAIN_LATER",
    "is_database_unavailable",
    "log_outage",
    "mark_response",
    "unavailable_error",
]


def log_outage(where: str, error: BaseException) -> None:
    """One ERROR line, no traceback: an outage repeats on every request and says all in a line."""
    log.error(
        "request %s: service unavailable in %s: %s",
        request_ids.current() or "-",
        where,
        summary(error),
    )


def unavailable_error(error: GraphQLError) -> GraphQLError:
    """The masked form of a resolver's outage error (same path, our message and code)."""
    return GraphQLError(
        MESSAGE,
        nodes=error.nodes,
        path=error.path,
        extensions={"code": CODE, "requestId": request_ids.current()},
    )


def _has_outage(data: object) -> bool:
    items = data if isinstance(data, list) else [data]
    for item in items:
        for error in (item.get("errors") or []) if isinstance(item, Mapping) else []:
            if isinstance(error, Mapping) and (error.get("extensions") or {}).get("code") == CODE:
                return True
    return False


def mark_response(data: Any, response: Response) -> None:
    """HTTP 503 + Retry-After on an answer that carries a SERVICE_UNAVAILABLE error."""
    if _has_outage(data):
        response.status_code = 503
        response.headers.update(RETRY_AFTER)
