"""graphql-transport-ws, SSE and multipart HTTP; identical subscriptions share one execution."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator

from graphql import GraphQLError
from starlette.websockets import WebSocketDisconnect
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.http.streaming import (
    HTTPStreamTransport,
    MultipartSubscriptionTransport,
    SSETransport,
)
from strawberry.schema import BaseSchema
from strawberry.subscriptions import GRAPHQL_SSE_PROTOCOL, MULTIPART_SUBSCRIPTION_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ErrorMessage,
    SubscribeMessage,
)
from strawberry.types.execution import ExecutionResult

from graph.context import Context
from graph.live import sharing
from graph.persisted.resolve import PersistedQueryError


class SSEFraming(SSETransport):
    """Events end their lines with a bare LF. The SSE spec allows CRLF too, but parsers written
    for `\n` (and some proxies' line buffering) split CRLF streams wrongly; LF reads everywhere."""

    def encode_event(self, event: str, data: str | None = None) -> str:
        return super().encode_event(event, data).replace("\r\n", "\n")

    def encode_comment(self, comment: str) -> str:
        return f": {comment}\n\n"


STREAM_TRANSPORTS: dict[str, type[HTTPStreamTransport]] = {
    MULTIPART_SUBSCRIPTION_PROTOCOL: MultipartSubscriptionTransport,
    GRAPHQL_SSE_PROTOCOL: SSEFraming,
}


def _shared_context(context: Context) -> Context:
    # The group outlives any one member's connection: give it its own context (same viewer).
    return Context(
        request=context.request,
        response=None,
        viewer=context.viewer,
        connection_params=context.connection_params,
    )


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Strawberry's handler; shareable subscriptions join a group instead of running alone."""

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        # The same persisted-query rules as over HTTP: with CC_TRUSTED_DOCUMENTS_ONLY=1 a socket
        # runs only trusted documents, and a known hash stands for its document.
        persisted = getattr(self.view, "persisted", None)
        payload = message["payload"]
        if persisted is not None and self.connection_acknowledged:
            try:
                payload["query"] = await persisted.resolve(  # type: ignore[typeddict-item]
                    payload.get("query"), payload.get("extensions")
                )
            except PersistedQueryError as refused:
                error = GraphQLError(refused.message, extensions={"code": refused.code})
                await self.send_message(
                    ErrorMessage(id=message["id"], type="error", payload=[error.formatted])
                )
                return
        await super().handle_subscribe(message)

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        plan = sharing.plan_for(
            operation.query, operation.variables, operation.operation_name, self.context.viewer
        )
        if plan is None:
            await super().run_operation(operation)
            return
        socket = self.websocket.ws  # type: ignore[attr-defined]  # Starlette's WebSocket
        # Only the operation id differs between members: frame the shared payload with it.
        prefix = '{"id":' + json.dumps(operation.id) + ',"type":"next","payload":'
        try:
            async with sharing.registry.member(
                plan, self.schema, lambda: _shared_context(self.context), self.root_value
            ) as member:
                async for item in member.items():
                    if item.initial_error:
                        await operation.send_initial_errors(item.result.errors or [])
                        return
                    await socket.send_text(prefix + item.payload_json() + "}")
            await operation.send_operation_message({"id": operation.id, "type": "complete"})
        except (WebSocketDisconnect, WebSocketDisconnected):
            return


def shared_sse_stream(
    schema: BaseSchema, context: Context, plan: sharing.Plan
) -> AsyncGenerator[ExecutionResult, None]:
    """The member's results as a Strawberry result stream (SSE encodes each per response)."""

    async def results() -> AsyncGenerator[ExecutionResult, None]:
        async with sharing.registry.member(
            plan, schema, lambda: _shared_context(context)
        ) as member:
            async for item in member.items():
                yield item.result

    return results()


__all__ = ["STREAM_TRANSPORTS", "SSEFraming", "TransportWSHandler", "shared_sse_stream"]
