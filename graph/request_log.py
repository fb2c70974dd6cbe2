"""One log line and one metrics observation per request.

HTTP: `RequestLog` (pure ASGI middleware) times every request and logs one INFO line `request`
with `request_id`, `method`, `path`, `status`, `duration_ms`, and for GraphQL `user_id`, `team_id`,
`operation`, `outcome` (ok / user_error / refused / error) and `cost` (the static cost charged);
GraphQL requests are also counted in cc_graphql_requests / cc_graphql_request_seconds. Probes
(/healthz, /readyz, /metrics) log at DEBUG only.

WebSocket: the socket is one HTTP upgrade, but every operation on it is a request of its own:
`ObservedOperation` (a schema extension) logs and counts each one (`transport: websocket`), with
the connection's request id.

The GraphQL layer fills the current record as it learns things (graph/http.py: viewer and cost;
graph/errors.py: userErrors; the extension: operation name and outcome).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import structlog
from graphql import GraphQLError
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from graph import metrics, request_ids
from graph.error_log import is_internal

log = structlog.get_logger("command_center.requests")

QUIET_PATHS = ("/healthz", "/readyz", "/metrics")
GRAPHQL_PATH = "/graphql"
_RANK = {outcome: rank for rank, outcome in enumerate(metrics.OUTCOMES)}
_FAILED_CODES = {"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE"}


@dataclass
class RequestRecord:
    request_id: str
    transport: str = "http"
    user_id: int | None = None
    team_id: int | None = None
    operation: str | None = None
    outcome: str | None = None
    cost: int | None = None

    def settle(self, outcome: str) -> None:
        """Keep the worst outcome (a batch of operations, userErrors then an error…)."""
        if self.outcome is None or _RANK[outcome] > _RANK[self.outcome]:
            self.outcome = outcome


_current: ContextVar[RequestRecord | None] = ContextVar("request_record", default=None)


def current() -> RequestRecord | None:
    return _current.get()


def note_viewer(user: Any) -> None:
    record = current()
    if record is not None and user is not None:
        record.user_id, record.team_id = user.id, user.team_id


def note_user_errors() -> None:
    record = current()
    if record is not None:
        record.settle("user_error")


def note_response(data: Any) -> None:
    """The static cost a GraphQL answer reports in `extensions.cost.requested`."""
    record = current()
    if record is None or not isinstance(data, Mapping):
        return
    cost = (data.get("extensions") or {}).get("cost")
    if isinstance(cost, Mapping) and isinstance(cost.get("requested"), int):
        record.cost = cost["requested"]


def outcome_of(errors: list[GraphQLError] | None) -> str:
    if not errors:
        return "ok"
    for error in errors:
        code = (error.extensions or {}).get("code")
        if is_internal(error) or code in _FAILED_CODES:
            return "error"
    return "refused"


def _outcome_of_status(status: int) -> str:
    if status >= 500:
        return "error"
    return "refused" if status >= 400 else "ok"


def _emit(record: RequestRecord, seconds: float, **fields: Any) -> None:
    log.info(
        "request",
        request_id=record.request_id,
        transport=record.transport,
        user_id=record.user_id,
        team_id=record.team_id,
        operation=record.operation,
        outcome=record.outcome,
        cost=record.cost,
        duration_ms=round(seconds * 1000, 2),
        **fields,
    )


class RequestLog:
    """Pure ASGI (streams pass through untouched); inside RequestIdMiddleware."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        record = RequestRecord(request_ids.current() or "-")
        token = _current.set(record)
        status = 500  # what the server answers if the app raises before starting a response
        started = time.perf_counter()

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            _current.reset(token)
            seconds = time.perf_counter() - started
            path = scope.get("path", "")
            record.settle(_outcome_of_status(status))
            if path == GRAPHQL_PATH:
                metrics.observe_request(record.operation, record.outcome or "ok", seconds)
            if path in QUIET_PATHS:
                log.debug("request", path=path, status=status)
            else:
                _emit(record, seconds, method=scope.get("method"), path=path, status=status)


class ObservedOperation(SchemaExtension):
    """Names the operation of an HTTP request's record; logs and counts WebSocket operations."""

    def on_operation(self) -> Iterator[None]:
        record = current()
        own = record is None  # no HTTP request around: an operation on a WebSocket
        token = None
        if record is None:
            record = RequestRecord(request_ids.current() or "-", transport="websocket")
            context = self.execution_context.context
            note = getattr(context, "viewer", None)
            if note is not None:
                record.user_id, record.team_id = note.id, note.team_id
            token = _current.set(record)
        started = time.perf_counter()
        try:
            yield
        finally:
            ec = self.execution_context
            record.operation = ec.operation_name
            result = ec.result
            errors = (result.errors if result is not None else None) or ec.pre_execution_errors
            record.settle(outcome_of(list(errors or [])))
            if own:
                seconds = time.perf_counter() - started
                if token is not None:
                    _current.reset(token)
                metrics.observe_request(record.operation, record.outcome or "ok", seconds)
                _emit(record, seconds)
