"""The leaf-field shortcut (graph/execution.py) gives exactly graphql-core's results and errors."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any

import pytest
import strawberry
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from graph import execution
from graph.execution import ExecutionContext


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
