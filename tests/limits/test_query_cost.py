"""Static query cost: the formula, the per-request maximum, the cost in `extensions`."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import parse
from graphql.utilities import get_operation_ast

from graph.limits.cost import operation_cost
from graph.schema import schema
from models.emails.tables import Email
from tests.api import Api
from tests.limits.helpers import ALIASED_COST, GRAPHQL_RESPONSE, limited


def cost(document: str, **variables: Any) -> int:
    node = parse(document)
    operation = get_operation_ast(node)
    assert operation is not None
    return operation_cost(schema._schema, node, operation, variables)


def test_the_formula() -> None:
    # Scalars are free, an object costs 1, an operation at least 1.
    assert cost("{ me { id email } }") == 1
    assert cost("{ __typename }") == 1
    # A connection: 1, plus per item (first/last, else the default page of 20) its edges/nodes.
    assert cost("{ emails(first: 100) { totalCount edges { node { id subject } } } }") == (
        1 + 100 * (1 + 1)
    )
    assert cost("{ emails { nodes { id } } }") == 1 + 20 * 1
    assert cost("{ emails(last: 7) { nodes { id person { email } } } }") == 1 + 7 * (1 + 1)
    # pageInfo is counted once, not per item.
    assert cost("{ emails(first: 10) { pageInfo { hasNextPage } nodes { id } } }") == 1 + 1 + 10
    # Nested connections multiply.
    nested = "{ emails(first: 50) { nodes { events(first: 10) { nodes { id } } } } }"
    assert cost(nested) == 1 + 50 * (1 + (1 + 10 * 1))
    # Variables (and their defaults) set the page size; past the cap of 100 the cap counts.
    by_variable = "query($n: Int = 30) { emails(first: $n) { nodes { id } } }"
    assert cost(by_variable) == 1 + 30
    assert cost(by_variable, n=5) == 1 + 5
    assert cost(by_variable, n=10_000) == 1 + 100
    # Plain lists of objects count as a default page; introspection is free.
    assert cost("{ me { tokens { id } } }") == 1 + 20 * 1
    assert cost("{ __schema { types { fields { name type { name } } } } }") == 1
    # Fragments cost what they select, wherever they are spread, at the page of their connection.
    fragment = "fragment Page on EmailConnection { nodes { id person { id } } }"
    assert cost(f"{{ a: emails(first: 3) {{ ...Page }} b: emails {{ ...Page }} }} {fragment}") == (
        (1 + 3 * 2) + (1 + 20 * 2)
    )
    # A mutation's root field adds 10.
    assert cost("mutation { deleteEmail(input: {id: 1}) { deletedEmailId } }") == 10 + 1


def test_the_issues_aliased_query_costs_millions() -> None:
    # emails(100) → edges/node → events(100) → edges/node → email → events(100) → edges/node.
    per_alias = 1 + 100 * (2 + (1 + 100 * (2 + (1 + (1 + 100 * 2)))))
    assert cost(ALIASED_COST) == 30 * per_alias == 61_209_030


async def test_the_aliased_cost_query_is_refused_before_execution(api: Api) -> None:
    response = await api.post({"query": ALIASED_COST}, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["cost"] == 61_209_030
    assert error["extensions"]["limit"] == 10_000
    assert body["extensions"]["cost"] == {"requested": 61_209_030, "maximum": 10_000}
    # The same query within the maximum runs.
    small = ALIASED_COST.replace("first: 100", "first: 2")
    ok = await api.post({"query": small}, accept=GRAPHQL_RESPONSE)
    assert ok.status_code == 200 and "errors" not in ok.json(), ok.text


async def test_costly_mutations_change_nothing(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from config.settings import get_settings

    monkeypatch.setattr(get_settings(), "max_query_cost", 5)
    result = await api.execute(
        'mutation { createDraft(input: {subject: "x"}) { email { id } userErrors { code } } }'
    )
    assert result["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert await Email.all().count() == 0


async def test_each_response_reports_its_cost_and_the_budget_left(api: Api) -> None:
    first = (await api.post({"query": "{ emails(first: 10) { nodes { id } } }"})).json()
    report = first["extensions"]["cost"]
    assert report["requested"] == 11 and report["maximum"] == 10_000
    budget = report["budget"]
    assert budget["limit"] == 100_000 and budget["remaining"] <= 100_000 - 11
    assert 0 < budget["resetInSeconds"] <= 60 and budget["resetAt"].endswith(":00+00:00")
    second = (await api.post({"query": "{ me { id } }"})).json()["extensions"]["cost"]
    assert second["requested"] == 1
    if second["budget"]["resetAt"] == budget["resetAt"]:  # same minute
        assert second["budget"]["remaining"] == budget["remaining"] - 1


async def test_no_budget_when_it_is_turned_off(db: object, monkeypatch: pytest.MonkeyPatch) -> None:
    async with limited(monkeypatch, query_budget=0) as (_app, world):
        body = (await world.alice.post({"query": "{ me { id } }"})).json()
        assert body["extensions"]["cost"] == {"requested": 1, "maximum": 10_000}
