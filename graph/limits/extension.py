"""The Strawberry extensions that admit each operation before it runs, in two steps.

1. `QueryPrecheck`, before validation: the document's shape (depth, aliases, expanded size) and
   its static cost against the maximum. Both are linear and cheap, and graphql-core's own
   validation of a large document is not (a few thousand tokens cost tens of milliseconds), so an
   attack is refused before paying for it. The checks need no valid document: unknown fields and
   fragments count as nothing. A refused document skips validation (`ValidateCache` in
   graph/schema.py checks for that).
2. `QueryBudgetCharge`, after validation: the caller's per-token budget, charged the cost of
   valid operations; a document refused before it ran (syntax, validation, a limit) is charged
   its length instead, when the operation ends (graph/limits/admission.py: `penalise`).

Refusals become the operation's pre-execution errors (nothing runs): QUERY_TOO_DEEP,
TOO_MANY_ALIASES, QUERY_TOO_LARGE, QUERY_TOO_COSTLY (a 400 to GraphQL-over-HTTP clients, like
other documents that cannot run) or RATE_LIMITED (HTTP 429 with `Retry-After`). Queries and
mutations report their cost in the response's `extensions.cost`; subscriptions are charged once
when they start, and their events carry no cost.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from graphql import GraphQLError
from starlette.responses import Response
from strawberry.extensions import SchemaExtension

from config.settings import get_settings
from graph.limits.admission import (
    Payer,
    Refused,
    charge,
    check_cost,
    is_subscription,
    penalise,
)
from graph.limits.memo import document_shape_errors
from models.base.errors import ErrorCode


def payer_of(context: Any) -> Payer | None:
    payer = getattr(context, "payer", None)
    return payer if isinstance(payer, Payer) else None


def mark_rate_limited(response: Any, retry_after: int) -> None:
    """HTTP 429 + Retry-After on the response being built (not over WebSocket)."""
    if isinstance(response, Response):
        response.status_code = 429
        response.headers["Retry-After"] = str(retry_after)


class QueryPrecheck(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        # Before the yield: Strawberry checks the errors before the hooks' after-yield parts run.
        ec = self.execution_context
        if ec.graphql_document is not None:
            settings = get_settings()
            errors = document_shape_errors(
                ec.graphql_document,
                settings.max_query_depth,
                settings.max_aliases,
                settings.max_expanded_fields,
            )
            if not errors:
                try:
                    check_cost(
                        ec.schema._schema, ec.graphql_document, ec.operation_name, ec.variables
                    )
                except Refused as refused:
                    errors = [refused.error]
            if errors:
                ec.pre_execution_errors = errors
        yield


class QueryBudgetCharge(SchemaExtension):
    report: dict[str, Any] | None = None
    settled = False  # charged, or refused for lack of budget: no penalty on top

    async def on_operation(self) -> AsyncIterator[None]:
        try:
            yield  # a syntax error is raised through here (the parser cache parses in a hook)
        finally:
            if not self.settled:
                # Refused before it ran (syntax, validation, a limit): it pays for being read.
                ec = self.execution_context
                await penalise(payer_of(ec.context), ec.query)

    async def on_validate(self) -> AsyncIterator[None]:
        # After the validation cache (earlier in the extension list) has validated.
        await self._charge()
        yield

    async def _charge(self) -> None:
        ec = self.execution_context
        payer = payer_of(ec.context)
        if ec.pre_execution_errors:
            self.report = _costly_report(ec.pre_execution_errors)
            return
        if ec.graphql_document is None or (payer and payer.prepaid):
            self.settled = True  # a shared subscription: its members paid to join
            return
        try:
            cost = check_cost(
                ec.schema._schema, ec.graphql_document, ec.operation_name, ec.variables
            )
            if cost is None:
                return
            admitted = await charge(cost, payer)
            self.settled = True
        except Refused as refused:
            self.settled = refused.retry_after is not None
            # A new list: the validation cache holds on to the one it returned.
            ec.pre_execution_errors = [refused.error]
            self.report = refused.report
            if refused.retry_after is not None:
                mark_rate_limited(getattr(ec.context, "response", None), refused.retry_after)
            return
        if not is_subscription(ec.graphql_document, ec.operation_name):
            self.report = admitted.report()

    def get_results(self) -> dict[str, Any]:
        return {"cost": self.report} if self.report else {}


def _costly_report(errors: list[GraphQLError]) -> dict[str, Any] | None:
    """`extensions.cost` of a QUERY_TOO_COSTLY refusal (from the precheck's error)."""
    for error in errors:
        extensions = error.extensions or {}
        if extensions.get("code") == ErrorCode.QUERY_TOO_COSTLY.value:
            return {"requested": extensions["cost"], "maximum": extensions["limit"]}
    return None
