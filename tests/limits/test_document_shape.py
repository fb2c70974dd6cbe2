"""Depth, aliases and expanded size: linear in the document, fragments measured once."""

from __future__ import annotations

import httpx2
import pytest
from graphql import ASTValidationRule, DocumentNode, GraphQLError, parse, validate
from strawberry.extensions.max_aliases import create_validator as stock_aliases
from strawberry.extensions.query_depth_limiter import create_validator as stock_depth

from config.settings import get_settings
from graph.limits import shape
from graph.limits.fragments import definitions, dependency_order
from graph.limits.rules import shape_errors
from graph.schema import schema
from tests.api import Api
from tests.limits.helpers import GRAPHQL_RESPONSE, fragment_bomb


def nested(levels: int, leaf: str) -> str:
    return "team { members { " * levels + leaf + " } }" * levels


def codes(response: httpx2.Response) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in response.json()["errors"]]


async def test_the_40_level_fragment_bomb_is_refused_before_execution(
    api: Api, client: httpx2.AsyncClient
) -> None:
    document = fragment_bomb(40)
    assert len(document) < 1700  # the issue's ~1.5 KB
    response = await api.post({"query": document}, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400
    assert "data" not in response.json()
    assert codes(response) == ["QUERY_TOO_LARGE"]
    assert str(2**41) in response.json()["errors"][0]["message"]
    # Legacy JSON clients get the same refusal (with their 200), and the server is free.
    legacy = await api.post({"query": document})
    assert codes(legacy) == ["QUERY_TOO_LARGE"]
    assert (await client.get("/healthz")).json() == {"status": "ok"}


def test_each_fragment_is_measured_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Work proportional to the document: one measure per selection set, whatever the spreads."""
    calls = 0
    measure = shape._measure

    def counting(*args: object) -> shape.Shape:
        nonlocal calls
        calls += 1
        return measure(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(shape, "_measure", counting)
    for levels in (10, 40, 400):
        calls = 0
        (measured,) = shape.operation_shapes(parse(fragment_bomb(levels))).values()
        assert measured.fields == 2 ** (levels + 1)  # `me` and `id`, 2^levels times
        assert calls == levels + 3  # each fragment, `me { }` in the last one, the operation


def test_shapes_agree_with_strawberrys_stock_validators_on_ordinary_documents() -> None:
    settings = get_settings()
    stock = [stock_depth(settings.max_query_depth, None), stock_aliases(settings.max_aliases)]
    documents = [
        "{ me { id } }",
        "{ me { " + nested(6, "email") + " } }",  # depth 13: too deep
        "{ me { " + nested(5, "email") + " } }",  # depth 11
        "{ ...A } fragment A on Query { me { ...B } } fragment B on User { "
        + nested(6, "id")
        + " }",
        " ".join(f"a{n}: me {{ id }}" for n in range(31)).join("{}"),  # 31 aliases
        "{ ...A ...A b: me { id } } fragment A on Query { "
        + " ".join(f"a{n}: me {{ id }}" for n in range(15))
        + " }",  # 15 + 15 + 1
        "{ x: __schema { types { fields { type { ofType { name } } } } } }",
        "query Q { me { id } } query R { a: me { id } b: me { id } }",
    ]
    verdicts = []
    for document in documents:
        node = parse(document)
        expected = [bool(_validate(node, rule)) for rule in stock]  # [too deep, too many aliases]
        found = shape_errors(node, settings.max_query_depth, settings.max_aliases, 10**9)
        got = [
            any(e.extensions.get("code") == "QUERY_TOO_DEEP" for e in found),
            any(e.extensions.get("code") == "TOO_MANY_ALIASES" for e in found),
        ]
        assert got == expected, document
        verdicts.append(got)
    assert [True, False] in verdicts and [False, True] in verdicts and [False, False] in verdicts


def _validate(document: DocumentNode, rule: type[ASTValidationRule]) -> list[GraphQLError]:
    return validate(schema._schema, document, [rule])


async def test_fragments_count_in_depth_and_aliases(api: Api) -> None:
    aliases = " ".join(f"a{n}: id" for n in range(8))
    document = "{ me { ...U } x: me { ...U } y: me { ...U } z: me { ...U } } " + (
        f"fragment U on User {{ {aliases} }}"
    )  # 3 + 4 × 8 = 35 aliases once expanded
    response = await api.post({"query": document}, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400 and codes(response) == ["TOO_MANY_ALIASES"]
    deep = "{ me { ...T } } fragment T on User { " + nested(7, "id") + " }"
    response = await api.post({"query": deep}, accept=GRAPHQL_RESPONSE)
    assert response.status_code == 400 and codes(response) == ["QUERY_TOO_DEEP"]


async def test_fragment_cycles_are_refused_without_recursing(api: Api) -> None:
    for document in [
        "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
        "{ ...A } fragment A on Query { me { id } ...A }",
        "{ ...F0 } "
        + " ".join(f"fragment F{n} on Query {{ ...F{n + 1} }}" for n in range(300))
        + " fragment F300 on Query { ...F0 }",
    ]:
        response = await api.post({"query": document}, accept=GRAPHQL_RESPONSE)
        assert response.status_code == 400, response.text
        assert "data" not in response.json()


async def test_a_long_chain_of_fragments_is_answered(api: Api) -> None:
    """600 fragments each spreading the next: deeper than Python's recursion limit if measured
    recursively. The server answers (a result or a refusal), never an internal error."""
    chain = " ".join(f"fragment F{n} on Query {{ ...F{n + 1} }}" for n in range(600))
    response = await api.post(
        {"query": f"{{ ...F0 }} {chain} fragment F600 on Query {{ me {{ id }} }}"},
        accept=GRAPHQL_RESPONSE,
    )
    assert response.status_code in (200, 400)
    assert "INTERNAL" not in response.text and "Traceback" not in response.text


def test_dependency_order_puts_spread_fragments_first_and_leaves_cycles_out() -> None:
    document = parse(
        "{ ...A } fragment A on Query { ...B ...C } fragment B on Query { ...C } "
        "fragment C on Query { me { id } } fragment X on Query { ...Y } "
        "fragment Y on Query { ...X } fragment Z on Query { ...X }"
    )
    assert dependency_order(definitions(document)) == ["C", "B", "A"]
    chain = " ".join(f"fragment F{n} on Query {{ ...F{n + 1} }}" for n in range(3000))
    order = dependency_order(
        definitions(parse(f"{chain} fragment F3000 on Query {{ __typename }}"))
    )
    assert order == [f"F{n}" for n in range(3000, -1, -1)]
