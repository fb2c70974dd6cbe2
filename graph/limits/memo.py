"""The shape and cost of a document, computed once per document rather than once per request.

Both are walks of the whole document (with its fragments), about a twentieth of a small listing
request. The parse cache (graph/schema.py) hands every request of one query text the same
document object, so results are kept by that object's identity (the entry holds the document,
so its id is not reused while the entry lives), with what else they depend on: the limits for
the shape; the schema, the operation and the variables' values for the cost. When full, the
cache starts over.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import orjson
from graphql import DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode

from graph.limits.cost import operation_cost
from graph.limits.rules import shape_errors

MAX_ENTRIES = 4096
T = TypeVar("T")
_entries: dict[tuple[Any, ...], tuple[tuple[object, ...], Any]] = {}


def _kept(key: tuple[Any, ...], holds: tuple[object, ...], compute: Callable[[], T]) -> T:
    """`compute()`, kept under `key` while the objects of `holds` (whose ids are in the key) are
    the same ones."""
    entry = _entries.get(key)
    if entry is not None and all(a is b for a, b in zip(entry[0], holds, strict=True)):
        value: T = entry[1]
        return value
    value = compute()
    if len(_entries) >= MAX_ENTRIES:
        _entries.clear()
    _entries[key] = (holds, value)
    return value


def document_shape_errors(
    document: DocumentNode, max_depth: int, max_aliases: int, max_fields: int
) -> list[GraphQLError]:
    """`shape_errors`, once per document and limits (a new list each time: callers keep it)."""
    key = ("shape", id(document), max_depth, max_aliases, max_fields)
    errors = _kept(
        key, (document,), lambda: shape_errors(document, max_depth, max_aliases, max_fields)
    )
    return list(errors)


def document_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None,
) -> int:
    """`operation_cost`, once per document, operation and variable values."""
    try:
        values = orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # values orjson does not write (never from JSON): not kept
        return operation_cost(schema, document, operation, variables)
    key = ("cost", id(schema), id(document), id(operation), values)
    return _kept(
        key,
        (schema, document, operation),
        lambda: operation_cost(schema, document, operation, variables),
    )
