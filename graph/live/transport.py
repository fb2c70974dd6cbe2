"""graphql-transport-ws and SSE, with identical subscriptions sharing one execution."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator

from starlette.websockets import WebSocketDisconnect
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.schema import BaseSchema
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.types.execution import ExecutionResult

from graph.context import Context
from graph.limits.admission import Payer, Refused, admit, check_not_exhausted
from graph.live import sharing


def _shared_context(context: Context) -> Context:
    # The group outlives any one member's connection: give it its own context (same viewer).
    return Context(
        request=context.request,
        response=None,
        viewer=context.viewer,
        connection_params=context.connection_params,
        payer=Payer(None, None, prepaid=True),  # each member is admitted before joining
    )


async def admit_member(schema: BaseSchema, plan: sharing.Plan, context: Context) -> None:
    """Cost-check and charge one subscriber of a shared subscription (raises Refused): the shared
    execution runs once, but every member pays for starting it, as if it ran alone."""
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
    """Strawberry's handler; shareable subscriptions join a group instead of running alone."""

    async def run_operation(self, operation: Operation[Context, None]) -> None:
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


__all__ = ["TransportWSHandler", "admit_member", "shared_sse_stream"]
