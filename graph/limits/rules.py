"""Depth, aliases and expanded size, from one linear measure of the document.

They replace Strawberry's stock depth and alias validators, which walk every fragment again at each
spread (exponential in a fragment bomb). Checked before graphql-core's validation (see
graph/limits/extension.py), so refusing a document never costs more than measuring it.
"""

from __future__ import annotations

from graphql import DocumentNode, GraphQLError

from graph.limits.shape import operation_shapes
from models.base.errors import ErrorCode


def refusal(message: str, code: ErrorCode, **details: object) -> GraphQLError:
    """A request refused before execution, with its `extensions.code`."""
    return GraphQLError(message, extensions={"code": code.value, **details})


def shape_errors(
    document: DocumentNode, max_depth: int, max_aliases: int, max_fields: int
) -> list[GraphQLError]:
    """Refusals for a document too deep, too aliased or too large once expanded."""
    errors: list[GraphQLError] = []
    shapes = operation_shapes(document)
    for operation, shape in shapes.items():
        name = operation.name.value if operation.name else "anonymous"
        if shape.depth > max_depth:
            errors.append(
                refusal(
                    f"'{name}' exceeds maximum operation depth of {max_depth}.",
                    ErrorCode.QUERY_TOO_DEEP,
                    limit=max_depth,
                )
            )
        if shape.fields > max_fields:
            errors.append(
                refusal(
                    f"'{name}' selects {shape.fields} fields once its fragments are "
                    f"expanded. Allowed: {max_fields}.",
                    ErrorCode.QUERY_TOO_LARGE,
                    limit=max_fields,
                )
            )
    aliases = sum(shape.aliases for shape in shapes.values())
    if aliases > max_aliases:
        errors.append(
            refusal(
                f"{aliases} aliases found. Allowed: {max_aliases}.",
                ErrorCode.TOO_MANY_ALIASES,
                limit=max_aliases,
            )
        )
    return errors
