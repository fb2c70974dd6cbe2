"""GraphiQL's Docs and editors' hints come from descriptions: every element of the schema has one,
and it says more than the element's name."""

from __future__ import annotations

import re

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
)

from graph.schema import schema
from tests.api import Api

# graphql-core's own scalars come described; ours must be too.
BUILT_IN = {"String", "Int", "Float", "Boolean", "ID"}


def _elements(named: GraphQLNamedType) -> list[tuple[str, str | None]]:
    """(path, description) of a type and everything inside it."""
    name = named.name
    found: list[tuple[str, str | None]] = [(name, named.description)]
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        for field_name, field in named.fields.items():
            found.append((f"{name}.{field_name}", field.description))
            for arg_name, arg in field.args.items():
                found.append((f"{name}.{field_name}({arg_name}:)", arg.description))
    elif isinstance(named, GraphQLInputObjectType):
        for field_name, input_field in named.fields.items():
            found.append((f"{name}.{field_name}", input_field.description))
    elif isinstance(named, GraphQLEnumType):
        for value_name, value in named.values.items():
            found.append((f"{name}.{value_name}", value.description))
    return found


def _all_elements() -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    for name, named in schema._schema.type_map.items():
        if name.startswith("__") or name in BUILT_IN:
            continue
        assert isinstance(
            named,
            GraphQLObjectType
            | GraphQLInterfaceType
            | GraphQLInputObjectType
            | GraphQLEnumType
            | GraphQLScalarType
            | GraphQLUnionType,
        )
        found.extend(_elements(named))
    return found


def _words(text: str) -> list[str]:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text).replace("_", " ")
    return re.findall(r"[a-z0-9]+", spaced.lower())


def test_every_type_field_argument_input_field_and_enum_value_is_described() -> None:
    elements = _all_elements()
    assert len(elements) > 600  # the walk really covers the schema
    missing = [path for path, description in elements if not (description or "").strip()]
    assert missing == []


def test_no_description_only_restates_the_name() -> None:
    restated = [
        path
        for path, description in _all_elements()
        if description and _words(description) == _words(re.split(r"[.(]", path)[-1] or path)
    ]
    assert restated == []


async def test_the_descriptions_reach_clients_through_introspection(api: Api) -> None:
    data = await api(
        '{ __type(name: "EmailStatus") { enumValues { name description } } '
        'queryType: __type(name: "Query") { description fields { name description '
        "args { name description } } } }"
    )
    values = data["__type"]["enumValues"]
    assert values and all(value["description"] for value in values)
    query = data["queryType"]
    assert query["description"]
    assert all(field["description"] for field in query["fields"])
    assert all(arg["description"] for field in query["fields"] for arg in field["args"])
