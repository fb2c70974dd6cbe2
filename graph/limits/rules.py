"""Our validation rules: depth, aliases and expanded size, from one linear measure of the document.

They replace Strawberry's stock depth and alias validators, which walk every fragment again at each
spread (exponential in a fragment bomb). The rule class is built once per process, so the
validation cache (keyed on the rule classes) keeps hitting.
"""

from __future__ import annotations

from graphql import ASTValidationRule, GraphQLError, ValidationContext, ValidationRule

from graph.limits.shape import operation_shapes
from models.base.errors import ErrorCode


def refusal(message: str, code: ErrorCode, **details: object) -> GraphQLError:
    """A request refused before execution, with its `extensions.code`."""
    return GraphQLError(message, extensions={"code": code.value, **details})


def shape_rule(max_depth: int, max_aliases: int, max_fields: int) -> type[ASTValidationRule]:
    class DocumentShapeRule(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            shapes = operation_shapes(context.document)
            for operation, shape in shapes.items():
                name = operation.name.value if operation.name else "anonymous"
                if shape.depth > max_depth:
                    context.report_error(
                        refusal(
                            f"'{name}' exceeds maximum operation depth of {max_depth}.",
                            ErrorCode.QUERY_TOO_DEEP,
                            limit=max_depth,
                        )
                    )
                if shape.fields > max_fields:
                    context.report_error(
                        refusal(
                            f"'{name}' selects {shape.fields} fields once its fragments are "
                            f"expanded. Allowed: {max_fields}.",
                            ErrorCode.QUERY_TOO_LARGE,
                            limit=max_fields,
                        )
                    )
            aliases = sum(shape.aliases for shape in shapes.values())
            if aliases > max_aliases:
                context.report_error(
                    refusal(
                        f"{aliases} aliases found. Allowed: {max_aliases}.",
                        ErrorCode.TOO_MANY_ALIASES,
                        limit=max_aliases,
                    )
                )

    return DocumentShapeRule
