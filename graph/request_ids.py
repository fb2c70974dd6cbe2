"""A request id per HTTP request or WebSocket connection, for matching a client's report to the log.

An incoming `X-Request-Id` is kept when it is sane (what a proxy or client would generate: up to
128 letters, digits and `-_.:`), so one id can follow a request through a proxy; anything else is
replaced by a new random one. The id goes back in the `X-Request-Id` response header, in the log
lines of the request's errors, and in masked errors' `extensions.requestId`.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

import structlog
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Request-Id"
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,128}")

_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def current() -> str | None:
    """The id of the request being served (None outside one, e.g. in a worker)."""
    return _current.get()


def accept(incoming: str | None) -> str:
    if incoming is not None and _SANE.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Pure ASGI (not BaseHTTPMiddleware), so streamed responses (SSE) pass through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = accept(Headers(scope=scope).get(HEADER))
        token = _current.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        try:
            # Every log line of the request carries it (config/logs.py merges bound values).
            with structlog.contextvars.bound_contextvars(request_id=request_id):
                await self.app(scope, receive, send_with_id)
        finally:
            _current.reset(token)
