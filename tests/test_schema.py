"""The committed SDL is what the code builds: regenerate with `make schema`."""

from __future__ import annotations

from pathlib import Path

from graphql import GraphQLObjectType, get_named_type

from graph.schema import schema

SDL = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_committed_schema_matches_the_code() -> None:
    assert SDL.read_text() == str(schema) + "\n", (
        "schema.graphql is out of date: run `make schema` and commit it"
    )


def test_conventions_hold_across_the_schema() -> None:
    """Every mutation takes one `input` and returns a payload with userErrors."""
    mutation = schema._schema.mutation_type
    assert mutation is not None
    for name, field in mutation.fields.items():
        assert list(field.args) == ["input"], name
        assert str(field.args["input"].type) == f"{name[0].upper()}{name[1:]}Input!", name
        payload = get_named_type(field.type)
        assert isinstance(payload, GraphQLObjectType)
        assert str(payload.fields["userErrors"].type) == "[UserError!]!", name
