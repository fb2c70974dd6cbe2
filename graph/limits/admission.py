"""Admitting an operation: its static cost against the per-request maximum, then the caller's
per-token budget; the same functions for every way in (HTTP, SSE, WebSocket, shared
subscriptions). Also what a refused document costs (`penalise`), and the check that refuses a
token with nothing left before its request is read (`check_not_exhausted`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema, OperationType
from graphql.utilities import get_operation_ast

from config.settings import get_settings
from graph.limits.budget import QueryBudget, Spend
from graph.limits.memo import document_cost, document_shape_errors
from graph.limits.rules import refusal
from models.base.errors import ErrorCode


@dataclass(frozen=True)
class Payer:
    """Who pays for the operations of a request or connection."""

    budget: QueryBudget | None  # None: no budget (CC_QUERY_BUDGET=0)
    key: str | None  # the token's budget key (graph.limits.budget.token_key)
    # Already admitted: the context a shared subscription runs in (each member paid to join).
    prepaid: bool = False


@dataclass(frozen=True)
class Admitted:
    cost: int
    max_cost: int
    spend: Spend | None
    now: float

    def report(self) -> dict[str, Any]:
        """`extensions.cost` of the response."""
        return {"requested": self.cost, "maximum": self.max_cost, **_budget_report(self)}


def _budget_report(admitted: Admitted) -> dict[str, Any]:
    spend = admitted.spend
    if spend is None:
        return {}
    return {
        "budget": {
            "limit": spend.limit,
            "remaining": spend.remaining,
            "resetAt": datetime.fromtimestamp(spend.reset_at, UTC).isoformat(),
            "resetInSeconds": spend.retry_after(admitted.now),
        }
    }


class Refused(Exception):
    def __init__(self, error: GraphQLError, report: dict[str, Any], retry_after: int | None):
        super().__init__(error.message)
        self.error, self.report, self.retry_after = error, report, retry_after


def check_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
) -> int | None:
    """The operation's static cost; raises Refused (QUERY_TOO_COSTLY) over the maximum. None: no
    operation to run (validation reports that)."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return None
    max_cost = get_settings().max_query_cost
    cost = document_cost(schema, document, operation, variables)
    if cost > max_cost:
        raise Refused(
            refusal(
                f"This operation costs {cost} points; the maximum is {max_cost}. "
                "Ask for smaller pages (first/last) or fewer nested lists.",
                ErrorCode.QUERY_TOO_COSTLY,
                cost=cost,
                limit=max_cost,
            ),
            {"requested": cost, "maximum": max_cost},
            None,
        )
    return cost


async def charge(cost: int, payer: Payer | None) -> Admitted:
    """Spend `cost` from the payer's budget; raises Refused (RATE_LIMITED) when it has too little
    left. Without a budget (or a token) the operation is only reported."""
    max_cost = get_settings().max_query_cost
    if payer is None or payer.budget is None or payer.key is None:
        return Admitted(cost, max_cost, None, 0.0)
    spend = await payer.budget.spend(payer.key, cost)
    admitted = Admitted(cost, max_cost, spend, payer.budget.clock())
    if not spend.allowed:
        raise _rate_limited(admitted, f"this operation costs {cost}")
    return admitted


def _rate_limited(admitted: Admitted, why: str) -> Refused:
    assert admitted.spend is not None
    spend = admitted.spend
    retry_after = spend.retry_after(admitted.now)
    return Refused(
        refusal(
            f"This token's budget of {spend.limit} points per minute has {spend.remaining} "
            f"left; {why}. Retry in {retry_after} s.",
            ErrorCode.RATE_LIMITED,
            retryAfter=retry_after,
        ),
        admitted.report(),
        retry_after,
    )


async def check_not_exhausted(payer: Payer | None) -> None:
    """Raises Refused (RATE_LIMITED) when the payer's budget has nothing left: checked before the
    request is even parsed, so a flood from one token costs a counter lookup per request."""
    if payer is None or payer.budget is None or payer.key is None or payer.prepaid:
        return
    spend = await payer.budget.left(payer.key)
    if not spend.allowed:
        now = payer.budget.clock()
        raise _rate_limited(Admitted(0, get_settings().max_query_cost, spend, now), "none is")


def refusal_cost(query: str | None) -> int:
    """What a document refused before it ran costs: the work of reading it, one point per
    character (at least 1). Parsing is what a refused document costs us, and it grows with its
    size: a 5 KB attack document costs 5,000 points, a mistyped 200-character query 200."""
    return max(1, len(query or ""))


async def penalise(payer: Payer | None, query: str | None) -> None:
    """Charge a refused document's cost, as much as is left (never refused itself)."""
    if payer is None or payer.budget is None or payer.key is None or payer.prepaid:
        return
    await payer.budget.spend(payer.key, refusal_cost(query), whole=False)


async def admit(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    payer: Payer | None,
) -> Admitted | None:
    """Shape, cost and budget at once, as the extensions check them (raises Refused). None:
    nothing to check (an already admitted shared subscription, or no operation)."""
    if payer is not None and payer.prepaid:
        return None
    settings = get_settings()
    shape = document_shape_errors(
        document, settings.max_query_depth, settings.max_aliases, settings.max_expanded_fields
    )
    if shape:
        raise Refused(shape[0], {}, None)
    cost = check_cost(schema, document, operation_name, variables)
    return None if cost is None else await charge(cost, payer)


def is_subscription(document: DocumentNode, operation_name: str | None) -> bool:
    operation = get_operation_ast(document, operation_name)
    return operation is not None and operation.operation == OperationType.SUBSCRIPTION
