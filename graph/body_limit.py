"""Request bodies have a size limit, whether they announce a length or arrive chunked without one.

Every HTTP request's body is read here first, up to its route's limit (CC_MAX_REQUEST_BYTES; POST
/inbound takes whole mail messages: CC_INBOUND_MAX_BYTES), then handed to the app in one piece.
Over the limit the app is never called: 413 with a GraphQL-over-HTTP error body (JSON, which also
reads fine for the non-GraphQL routes). A `Content-Length` over the limit is refused before reading
anything. The app buffered whole bodies anyway (JSON parsing needs all of it), so reading first
costs no memory beyond the limit.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from config.settings import get_settings


def default_limit(path: str) -> int:
    settings = get_settings()
    return settings.inbound_max_bytes if path == "/inbound" else settings.max_request_bytes


class BodyLimit:
    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int] = default_limit) -> None:
        self.app, self.limit_for = app, limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        if _declared_length(scope) > limit:
            await _too_large(send, limit)
            return
        body = bytearray()
        first: Message | None = None
        while True:
            message = await receive()
            if message["type"] != "http.request":
                first = message  # the client went away: let the app see it
                break
            body.extend(message.get("body", b""))
            if len(body) > limit:
                await _too_large(send, limit)
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                if first is not None:
                    return first
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()  # after the body: disconnects, for streaming responses

        await self.app(scope, replay, send)


def _declared_length(scope: Scope) -> int:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        {
            "errors": [
                {
                    "message": f"The request body is larger than {limit} bytes.",
                    "extensions": {"code": "REQUEST_TOO_LARGE", "limit": limit},
                }
            ]
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
