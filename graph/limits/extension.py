"""The Strawberry extension that admits each operation once it has validated, before it runs.

Refusals become the operation's pre-execution errors (nothing runs): QUERY_TOO_COSTLY (a 400 to
GraphQL-over-HTTP clients, like other documents that cannot run) or RATE_LIMITED (HTTP 429 with
`Retry-After`). Queries and mutations report their cost in the response's `extensions.cost`;
subscriptions are charged once when they start, and their events carry no cost.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from graphql import validate
from starlette.responses import Response
from strawberry.extensions import SchemaExtension

from graph.limits.admission import Admitted, Payer, Refused, admit, is_subscription


def payer_of(context: Any) -> Payer | None:
    payer = getattr(context, "payer", None)
    return payer if isinstance(payer, Payer) else None


def mark_rate_limited(response: Any, retry_after: int) -> None:
    """HTTP 429 + Retry-After on the response being built (not over WebSocket)."""
    if isinstance(response, Response):
        response.status_code = 429
        response.headers["Retry-After"] = str(retry_after)


class QueryCostLimit(SchemaExtension):
    admitted: Admitted | None = None
    report: dict[str, Any] | None = None

    async def on_validate(self) -> AsyncIterator[None]:
        # Before the yield: Strawberry checks the errors before the hooks' after-yield parts run.
        # The validation cache (earlier in the extension list) has validated by now.
        await self._admit()
        yield

    async def _admit(self) -> None:
        ec = self.execution_context
        if ec.graphql_document is None:
            return
        if ec.pre_execution_errors is None:  # no validation cache in front of us
            ec.pre_execution_errors = validate(
                ec.schema._schema, ec.graphql_document, ec.validation_rules
            )
        if ec.pre_execution_errors:
            return  # invalid documents never reach the cost (their shape was refused first)
        context = ec.context
        try:
            self.admitted = await admit(
                ec.schema._schema,
                ec.graphql_document,
                ec.operation_name,
                ec.variables,
                payer_of(context),
            )
        except Refused as refused:
            # A new list: the validation cache holds on to the one it returned.
            ec.pre_execution_errors = [refused.error]
            self.report = refused.report
            if refused.retry_after is not None:
                mark_rate_limited(getattr(context, "response", None), refused.retry_after)
            return
        if self.admitted is not None and not is_subscription(
            ec.graphql_document, ec.operation_name
        ):
            self.report = self.admitted.report()

    def get_results(self) -> dict[str, Any]:
        return {"cost": self.report} if self.report else {}
