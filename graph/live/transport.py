"""graphql-transport-ws, SSE and multipart HTTP; identical subscriptions share one execution."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from contextlib import ExitStack

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
    ConnectionInitMessage,
    ErrorMessage,
    SubscribeMessage,
)
from strawberry.types.execution import ExecutionResult

from config.settings import get_settings
from graph import metrics, negotiation, outage
from graph.context import Context
from graph.errors import TypedGraphQLError
from graph.limits.admission import Payer, Refused, admit, check_not_exhausted
from graph.live import sharing
from graph.live.revocations import get_revocations, until_revoked
from graph.persisted.resolve import PersistedQueryError

REVOKED_CODE = 4403  # graphql-transport-ws "Forbidden", as for a bad token at connection_init


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
        token_id=context.token_id,
        payer=Payer(None, None, prepaid=True),  # each member is admitted before joining
    )


async def admit_member(schema: BaseSchema, plan: sharing.Plan, context: Context) -> None:
    """Shape-, cost-check and charge one subscriber of a shared subscription (raises Refused):
    the shared execution runs once, but every member pays for starting it, as if it ran alone."""
    document = sharing.parsed(plan.query)
    if document is not None:
        await admit(
            schema._schema,  # type: ignore[attr-defined]  # strawberry.Schema's graphql-core one
            document,
            plan.operation_name,
            json.loads(plan.variables),
            context.payer,
        )


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Strawberry's handler; shareable subscriptions join a group instead of running alone, and
    the socket closes (4403) as soon as its token is revoked."""

    _watching: ExitStack | None = None
    _revoked = False

    async def handle(self) -> None:
        try:
            await super().handle()
        finally:
            if self._watching is not None:
                self._watching.close()

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        try:
            await super().handle_connection_init(message)
        except Exception as error:
            if not outage.is_database_unavailable(error):
                raise
            # The token could not be checked: "try again later", not 4403 (it may be fine).
            outage.log_outage("connection_init", error)
            await self.websocket.close(code=outage.WS_TRY_AGAIN_LATER, reason="Try again later")
            return
        token_id = self.context.token_id
        if self.connection_acknowledged and token_id is not None and self._watching is None:
            self._watching = ExitStack()
            self._watching.enter_context(get_revocations().watch(token_id, self._close_revoked))

    async def _close_revoked(self) -> None:
        self._revoked = True
        await self.websocket.close(code=REVOKED_CODE, reason="Token revoked")

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self._revoked:  # between the revocation and the close: nothing new starts
            return
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
        max_tokens = get_settings().max_tokens
        if negotiation.is_subscription(operation.query, operation.operation_name, max_tokens):
            with metrics.subscription_open("websocket"):
                await self._run_operation(operation)
        else:
            await self._run_operation(operation)

    async def _run_operation(self, operation: Operation[Context, None]) -> None:
        try:
            await check_not_exhausted(self.context.payer)
        except Refused as refused:
            await operation.send_initial_errors([refused.error])
            return
        plan = sharing.plan_for(
            operation.query, operation.variables, operation.operation_name, self.context.viewer
        )
        if plan is None:
            await super().run_operation(operation)
            return
        try:
            await admit_member(self.schema, plan, self.context)
        except Refused as refused:
            await operation.send_initial_errors([refused.error])
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


def revoked_result() -> ExecutionResult:
    """The last event of an SSE stream whose token was revoked."""
    error = TypedGraphQLError("The API token was revoked.", "UNAUTHENTICATED")
    return ExecutionResult(data=None, errors=[error])


def closing_on_revocation(
    stream: AsyncGenerator[ExecutionResult, None], context: Context
) -> AsyncGenerator[ExecutionResult, None]:
    """An SSE result stream that ends (after an UNAUTHENTICATED error) once its token is revoked."""
    return until_revoked(stream, context.token_id, revoked_result)


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


__all__ = [
    "STREAM_TRANSPORTS",
    "SSEFraming",
    "TransportWSHandler",
    "admit_member",
    "closing_on_revocation",
    "shared_sse_stream",
]
