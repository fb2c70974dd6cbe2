"""The leaf-field shortcut (graph/execution.py) gives exactly graphql-core's results and errors."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any, cast

import pytest
import strawberry
from graphql import FieldNode, GraphQLObjectType, OperationDefinitionNode, parse
from graphql.execution.collect_fields import FieldDetails
from strawberry.extensions import ParserCache
from strawberry.scalars import JSON
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from graph import execution
from graph.execution import ExecutionContext
from graph.subtrees import compile_field


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Item:
    name: str
    maybe: str | None
    count: int
    ratio: float
    flag: bool
    colour: Colour
    at: datetime
    tags: list[str]
    maybe_tags: list[str] | None

    @strawberry.field
    def computed(self, times: int = 2) -> str:
        return self.name * times


def item(**overrides: Any) -> Item:
    values: dict[str, Any] = {
        "name": "a",
        "maybe": None,
        "count": 3,
        "ratio": 0.5,
        "flag": True,
        "colour": Colour.BLUE,
        "at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "tags": ["x", "y"],
        "maybe_tags": None,
    }
    return Item(**{**values, **overrides})


ITEMS = [
    item(),
    item(name="b", maybe="m", maybe_tags=["p"]),
    # Broken rows, as a resolver bug would produce: the general path must report them.
    item(name=None),  # null in a non-null field
    item(count="not a number"),  # a value the scalar refuses
    item(tags=["ok", None]),  # null inside [String!]!
    item(colour="GREEN"),  # not an enum value
    item(tags="not a list"),
]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item | None]:
        return ITEMS

    @strawberry.field
    def one(self) -> Item:
        return ITEMS[0]


def build(context: type) -> strawberry.Schema:
    return strawberry.Schema(query=Query, execution_context_class=context)


DOCUMENTS = [
    "{ items { name maybe count ratio flag colour at tags maybeTags } }",
    "{ items { __typename aliased: name name computed(times: 3) count } }",
    "{ one { count colour ...F tags } } fragment F on Item { name at }",
    "{ items { name @skip(if: true) count @include(if: false) tags } }",
    "{ one { name } items { colour } }",
]


@pytest.mark.parametrize("document", DOCUMENTS)
async def test_same_data_and_errors_as_graphql_core(document: str) -> None:
    expected = await build(StrawberryGraphQLCoreExecutionContext).execute(document)
    actual = await build(ExecutionContext).execute(document)
    assert actual.data == expected.data
    # Same order of keys too: responses follow the query's field order.
    assert repr(actual.data) == repr(expected.data)
    assert [(e.message, e.path) for e in actual.errors or []] == [
        (e.message, e.path) for e in expected.errors or []
    ]


async def test_broken_rows_are_reported_not_hidden() -> None:
    result = await build(ExecutionContext).execute("{ items { name count tags colour } }")
    assert result.data is not None
    items = result.data["items"]
    assert items[0] == {"name": "a", "count": 3, "tags": ["x", "y"], "colour": "BLUE"}
    assert items[2:] == [None] * 5  # each broken row nulled, with an error at its path
    assert sorted(tuple(e.path or ()) for e in result.errors or []) == [
        ("items", 2, "name"),
        ("items", 3, "count"),
        ("items", 4, "tags", 1),
        ("items", 5, "colour"),
        ("items", 6, "tags"),
    ]


def test_only_basic_leaf_fields_take_the_shortcut() -> None:
    schema = build(ExecutionContext)
    item_type = schema._schema.get_type("Item")
    planned = {name for name in item_type.fields if execution._plan(item_type, name) is not None}
    # `computed` has a resolver and arguments; everything else is read off the object.
    assert planned == {
        "name",
        "maybe",
        "count",
        "ratio",
        "flag",
        "colour",
        "at",
        "tags",
        "maybeTags",
    }


# Plain object subtrees (graph/subtrees.py): edges, nodes and page info as a listing has them.


class Text(str):
    """A str subclass: graphql-core's String serializer decides what it writes."""


class Moment(datetime):
    def isoformat(self, *args: Any, **kwargs: Any) -> str:
        return "a moment"


class Other(Enum):
    RED = "red"


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Node(Named):
    count: int
    colour: Colour | None
    tags: list[str | None]
    child: Item | None
    items: list[Item]

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()


@strawberry.type
class Edge:
    cursor: str
    node: Node
    maybe_node: Node | None
    named: Named | None


@strawberry.type
class PageInfo:
    has_next: bool
    end: str | None


@strawberry.type
class Page:
    edges: list[Edge]
    maybe_edges: list[Edge | None] | None
    info: PageInfo


def node(**overrides: Any) -> Node:
    values: dict[str, Any] = {
        "name": "n",
        "count": 1,
        "colour": Colour.RED,
        "tags": ["t", None],
        "child": ITEMS[0],
        "items": ITEMS[:2],
    }
    return Node(**{**values, **overrides})


def edge(cursor: str, value: Any, **overrides: Any) -> Edge:
    values: dict[str, Any] = {"cursor": cursor, "node": value, "maybe_node": None, "named": value}
    return Edge(**{**values, **overrides})


GOOD = [edge("c1", node()), edge("c2", node(name="m", child=None, colour=None, items=[]))]
PAGES: dict[str, Page] = {
    "good": Page(edges=GOOD, maybe_edges=[None, *GOOD], info=PageInfo(has_next=True, end="c2")),
    # Broken subtrees, deep down: graphql-core must report them, with its paths.
    "null_leaf": Page(
        edges=[GOOD[0], edge("c3", node(name=None))],
        maybe_edges=None,
        info=PageInfo(has_next=True, end=None),
    ),
    "bad_scalar": Page(
        edges=[edge("c4", node(count="x")), GOOD[1]],
        maybe_edges=None,
        info=PageInfo(has_next=False, end=None),
    ),
    "bad_child": Page(
        edges=[edge("c5", node(child=item(count="x")))],
        maybe_edges=[edge("c6", node(items=[ITEMS[0], ITEMS[2]]))],
        info=PageInfo(has_next=False, end=None),
    ),
    "null_object": Page(
        edges=[edge("c7", None), *GOOD],
        maybe_edges=[edge("c8", None)],
        info=PageInfo(has_next=False, end=None),
    ),
    "wrong_type": Page(
        edges=[edge("c9", ITEMS[0])],
        maybe_edges=[edge("c10", "text")],
        info=PageInfo(has_next=True, end="x"),
    ),
    "not_a_list": Page(
        edges=GOOD, maybe_edges=cast(Any, "no"), info=cast(Any, PageInfo(has_next="yes", end=None))
    ),
    "null_list": Page(
        edges=cast(Any, None), maybe_edges=None, info=PageInfo(has_next=False, end=None)
    ),
    # Values next to the exact types the plans write in place (graph/subtrees.py _fast_leaf):
    # an Int beyond 32 bits, a bool as Int, subclasses of str and datetime, another enum's
    # member with the same value, a tuple of strings.
    "near_fast_paths": Page(
        edges=[
            edge("c11", node(count=2**31)),
            edge("c12", node(count=True, name=Text("sub"), colour=cast(Any, Other.RED))),
            edge("c13", node(child=item(at=Moment(2026, 1, 2, tzinfo=UTC), name=Text("t")))),
            edge("c14", node(tags=cast(Any, ("a", "b")), count=-(2**31))),
        ],
        maybe_edges=None,
        info=PageInfo(has_next=cast(Any, 1), end=Text("e")),
    ),
}


@strawberry.type
class PageQuery:
    @strawberry.field
    def page(self, kind: str) -> Page | None:
        return PAGES[kind]

    @strawberry.field
    async def pages(self) -> list[Page]:
        return list(PAGES.values())


def build_pages(context: type) -> strawberry.Schema:
    return strawberry.Schema(query=PageQuery, types=[Node], execution_context_class=context)


FULL_NODE = "name count colour tags child { name count tags } items { name at }"
PAGE_DOCUMENTS = [
    f"{{ page(kind: $KIND) {{ edges {{ cursor node {{ {FULL_NODE} }} }} info {{ hasNext end }} }}"
    " }",
    f"{{ page(kind: $KIND) {{ maybeEdges {{ cursor node {{ {FULL_NODE} }} maybeNode {{ name }} }}"
    " } }",
    "{ page(kind: $KIND) { edges { __typename c: cursor node { __typename n: name x: count } } } }",
    "{ page(kind: $KIND) { edges { node { shout name } named { name } } } }",
    "{ page(kind: $KIND) { ...P } } fragment P on Page { edges { node { ...N count } } }"
    " fragment N on Node { name tags }",
    "{ page(kind: $KIND) { edges { node { ... on Node { name } ... on Named { name } } } } }",
    "{ page(kind: $KIND) { edges { cursor @skip(if: true) node { name @include(if: false) count }"
    " } } }",
    "query Q($no: Boolean!) { page(kind: $KIND) { edges { node { name @skip(if: $no) count } } } }",
    "{ page(kind: $KIND) { edges { node { name } node { count child { name } } } } }",
    "{ pages { edges { node { name count } } info { end } } }",
]


def _render(document: str, kind: str) -> str:
    return document.replace("$KIND", f'"{kind}"')


@pytest.mark.parametrize("kind", list(PAGES))
@pytest.mark.parametrize("document", PAGE_DOCUMENTS)
async def test_subtrees_same_data_and_errors_as_graphql_core(document: str, kind: str) -> None:
    query = _render(document, kind)
    variables = {"no": True}
    expected = await build_pages(StrawberryGraphQLCoreExecutionContext).execute(
        query, variable_values=variables
    )
    actual = await build_pages(ExecutionContext).execute(query, variable_values=variables)
    assert repr(actual.data) == repr(expected.data)
    assert [(e.message, e.path, e.locations) for e in actual.errors or []] == [
        (e.message, e.path, e.locations) for e in expected.errors or []
    ]


def test_plain_subtrees_are_planned_and_others_are_not() -> None:
    schema = build_pages(ExecutionContext)._schema
    page_type = schema.get_type("Page")
    assert isinstance(page_type, GraphQLObjectType)

    def planned(selection: str) -> bool:
        document = parse(f'{{ page(kind: "good") {{ {selection} }} }}')
        context = ExecutionContext.build(schema, document)
        assert isinstance(context, ExecutionContext)
        operation = cast(OperationDefinitionNode, document.definitions[0])
        page = cast(FieldNode, operation.selection_set.selections[0])
        assert page.selection_set is not None
        field = cast(FieldNode, page.selection_set.selections[0])
        return compile_field(context, page_type, [FieldDetails(field, None)]) is not None

    assert planned("edges { cursor node { name tags child { name } } }")
    assert planned("info { hasNext }")
    assert not planned("edges { node { shout } }")  # a resolver
    assert not planned("edges { named { name } }")  # an interface
    assert not planned("edges { node { items { computed } } }")  # arguments, deep down


async def test_plans_are_kept_per_document_unless_a_directive_reads_a_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compiled: list[str] = []

    def counting(context: Any, parent_type: Any, field_details_list: Any) -> Any:
        compiled.append(field_details_list[0].node.name.value)
        return compile_field(context, parent_type, field_details_list)

    monkeypatch.setattr(execution, "compile_field", counting)
    # The app's parser cache gives every request of one query text the same document.
    schema = strawberry.Schema(
        query=PageQuery,
        types=[Node],
        execution_context_class=ExecutionContext,
        extensions=[ParserCache],
    )
    reference = build_pages(StrawberryGraphQLCoreExecutionContext)
    static = _render(PAGE_DOCUMENTS[0], "good")
    varying = (
        'query Q($no: Boolean!) { page(kind: "good") { edges { node { name @skip(if: $no) } } } }'
    )
    for document, variables in (
        (static, None),
        (static, None),
        (varying, {"no": True}),
        (varying, {"no": False}),
    ):
        expected = await reference.execute(document, variable_values=variables)
        actual = await schema.execute(document, variable_values=variables)
        assert repr(actual.data) == repr(expected.data)
        assert actual.errors == expected.errors
    # The static document's plans compiled by its first request only; the one whose @skip
    # reads a variable compiled again for each.
    assert compiled == ["edges", "info", "edges", "edges"]


# Awaitable attribute values: graphql-core awaits them, so a pass-through scalar (JSON) must not
# hand the coroutine itself to the response.


async def _later(value: Any) -> Any:
    return value


@strawberry.type
class Lazy:
    data: JSON
    many: list[JSON]
    name: str


@strawberry.type
class LazyHolder:
    lazy: Lazy
    lazies: list[Lazy]


@strawberry.type
class LazyQuery:
    @strawberry.field
    def holder(self) -> LazyHolder:
        def fresh(n: int) -> Lazy:
            return Lazy(data=_later({"n": n}), many=[_later(n), n], name=cast(Any, _later("x")))

        return LazyHolder(lazy=fresh(0), lazies=[fresh(1), fresh(2)])


@pytest.mark.parametrize(
    "document",
    [
        "{ holder { lazy { data many name } lazies { data many name } } }",
        "{ holder { lazies { name data many } lazy { many name data } } }",
    ],
)
async def test_awaitable_attributes_are_awaited_like_graphql_core(document: str) -> None:
    results = []
    for context in (StrawberryGraphQLCoreExecutionContext, ExecutionContext):
        schema = strawberry.Schema(query=LazyQuery, execution_context_class=context)
        results.append(await schema.execute(document))
    expected, actual = results
    assert repr(actual.data) == repr(expected.data)
    assert [(e.message, e.path) for e in actual.errors or []] == [
        (e.message, e.path) for e in expected.errors or []
    ]
