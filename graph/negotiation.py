"""Which transport answers an HTTP operation, from the client's `Accept` (order and q-values).

- Queries and mutations answer JSON unless an event stream is the client's preferred type
  (urql sends `application/graphql-response+json, …, text/event-stream, multipart/mixed` for
  every query and must get JSON).
- Subscriptions answer the first streaming type the client accepts, in its order of preference:
  GraphQL over SSE (`text/event-stream`) or the multipart subscription protocol Apollo Client uses
  (`multipart/mixed;subscriptionSpec=1.0`). A subscription that accepts neither is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from graphql import GraphQLError, OperationType, get_operation_ast, parse

SSE = "sse"
MULTIPART = "multipart-subscription"
HTTP = "http"

SUBSCRIPTION_TRANSPORTS = (
    "graphql-transport-ws (WebSocket), GraphQL over SSE (POST or GET with "
    "'Accept: text/event-stream'), or multipart HTTP "
    "('Accept: multipart/mixed;subscriptionSpec=\"1.0\"')"
)


@dataclass(frozen=True)
class MediaRange:
    type: str
    params: dict[str, str] = field(default_factory=dict)
    quality: float = 1.0


def media_ranges(accept: str | None) -> list[MediaRange]:
    """The acceptable media ranges, most preferred first (q-value, then the client's order)."""
    ranked: list[tuple[float, int, MediaRange]] = []
    for position, part in enumerate((accept or "").split(",")):
        media, *raw_params = (p.strip() for p in part.split(";"))
        if not media:
            continue
        params: dict[str, str] = {}
        quality = 1.0
        for raw in raw_params:
            key, _, value = raw.partition("=")
            key, value = key.strip().lower(), value.strip().strip("\"'")
            if key == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
            elif key:
                params[key] = value
        if quality > 0:
            ranked.append((-quality, position, MediaRange(media.lower(), params, quality)))
    return [media for _, _, media in sorted(ranked, key=lambda item: item[:2])]


def stream_protocol(media: MediaRange) -> str | None:
    if media.type == "text/event-stream":
        return SSE
    if media.type == "multipart/mixed" and media.params.get("subscriptionspec", "").startswith(
        "1.0"
    ):
        return MULTIPART
    return None


def choose_protocol(accept: str | None, is_subscription: bool) -> str | None:
    """`sse`, `multipart-subscription` or `http`; None for a subscription no transport fits."""
    ranges = media_ranges(accept)
    if not is_subscription:
        return SSE if ranges and stream_protocol(ranges[0]) == SSE else HTTP
    # No Accept at all means anything (RFC 9110 12.5.1).
    for media in ranges if accept and accept.strip() else media_ranges("*/*"):
        if protocol := stream_protocol(media):
            return protocol
        if media.type in ("*/*", "text/*"):
            return SSE  # a client that takes anything (curl) can take an event stream
    return None


def is_subscription(query: str, operation_name: str | None, max_tokens: int) -> bool:
    """Whether the operation to run is a subscription (False when the document is invalid:
    the normal execution path then reports why)."""
    # Without the keyword it cannot be one: most requests never pay for a second parse.
    return "subscription" in query and _is_subscription(query, operation_name, max_tokens)


@lru_cache(maxsize=1024)
def _is_subscription(query: str, operation_name: str | None, max_tokens: int) -> bool:
    try:
        operation = get_operation_ast(parse(query, max_tokens=max_tokens), operation_name)
    except GraphQLError:
        return False
    return operation is not None and operation.operation == OperationType.SUBSCRIPTION
