"""The GraphQL layer's net for control characters in arguments (rules in models/base/text.py).

Domain commands check the fields they validate; this net covers every string argument before any
resolver runs, including those no validator sees (ids, cursors, search text, idempotency keys):

- mutations (`RefuseControlCharacters`, a field extension on every root mutation field): the
  `input` is walked and a bad string answers the mutation's own payload with
  `userErrors { field: "<camelCase field>", code: INVALID_INPUT }`; nothing runs, nothing is stored;
- queries (`ControlCharacterNet`, a schema extension): every argument of every field, literal or
  variable, is checked before execution; a bad one answers a GraphQL error with
  `extensions.code: INVALID_INPUT` and `extensions.field` (the argument path), and nothing runs.

Multi-line fields (bodies, task details, outcomes) keep TAB, LF and CR; everything else is one line.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
    VariableNode,
)
from strawberry.extensions import FieldExtension, SchemaExtension
from strawberry.types import Info
from strawberry.types.base import (
    StrawberryList,
    StrawberryOptional,
    get_object_definition,
    has_object_definition,
)
from strawberry.types.field import StrawberryField
from strawberry.types.graphql import OperationType as StrawberryOperationType
from strawberry.utils.str_converters import to_camel_case

from graph.errors import TypedGraphQLError, UserError
from models.base.errors import DomainError
from models.base.text import bad_character, invalid_character

# Free text that may span lines, by GraphQL name; every other string is one line.
MULTILINE_FIELDS = frozenset({"bodyHtml", "bodyText", "details", "outcome"})


def _leaf_name(path: str) -> str:
    return path.rsplit(".", 1)[-1]


def first_bad_string(value: Any, path: str) -> DomainError | None:
    """The first string in a (JSON-like or Strawberry input) value holding a refused character."""
    if isinstance(value, str):
        char = bad_character(value, multiline=_leaf_name(path) in MULTILINE_FIELDS)
        return invalid_character(char, path) if char is not None else None
    if isinstance(value, Mapping):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if (problem := first_bad_string(str(key), child)) is not None:
                return problem
            if (problem := first_bad_string(item, child)) is not None:
                return problem
        return None
    if isinstance(value, list | tuple):
        for item in value:
            if (problem := first_bad_string(item, path)) is not None:
                return problem
        return None
    if has_object_definition(value):
        for field in get_object_definition(value, strict=True).fields:
            name = field.graphql_name or to_camel_case(field.python_name)
            child = f"{path}.{name}" if path else name
            if (problem := first_bad_string(getattr(value, field.python_name), child)) is not None:
                return problem
    return None


def _refused_payload(field: StrawberryField, problem: DomainError) -> Any:
    """The mutation's payload with the refusal as its only user error, every other field empty."""
    payload_type = field.type
    if isinstance(payload_type, StrawberryOptional):
        payload_type = payload_type.of_type
    values: dict[str, Any] = {}
    for member in get_object_definition(payload_type, strict=True).fields:
        kind = member.type
        if member.python_name == "user_errors":
            values["user_errors"] = [
                UserError(field=problem.field, message=problem.message, code=problem.code)
            ]
        elif isinstance(kind, StrawberryOptional):
            values[member.python_name] = None
        elif isinstance(kind, StrawberryList):
            values[member.python_name] = []
        elif kind is int:
            values[member.python_name] = 0
        elif kind is bool:
            values[member.python_name] = False
        else:
            values[member.python_name] = None
    return payload_type(**values)  # type: ignore[operator]


class RefuseControlCharacters(FieldExtension):
    """On a root mutation field: refuse a bad `input` with a typed user error, before resolving."""

    async def resolve_async(self, next_: Any, source: Any, info: Info, **kwargs: Any) -> Any:
        for name, value in kwargs.items():
            problem = first_bad_string(value, "" if name == "input" else to_camel_case(name))
            if problem is not None:
                return _refused_payload(info._field, problem)
        return await next_(source, info, **kwargs)


def _literal(node: ValueNode, variables: Mapping[str, Any]) -> Any:
    """A literal argument as a plain value (variables substituted), strings kept as sent."""
    if isinstance(node, VariableNode):
        return variables.get(node.name.value)
    if isinstance(node, StringValueNode):
        return node.value
    if isinstance(node, ListValueNode):
        return [_literal(item, variables) for item in node.values]
    if isinstance(node, ObjectValueNode):
        return {f.name.value: _literal(f.value, variables) for f in node.fields}
    return None  # numbers, booleans, enums, null: no characters to refuse


def _arguments(
    selections: SelectionSetNode | None,
    fragments: Mapping[str, Any],
    seen: set[str],
    skip_root_arguments: bool,
) -> Iterator[tuple[str, ValueNode]]:
    """Every (argument name, value) of the selection, each fragment walked once."""
    if selections is None:
        return
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            if not skip_root_arguments:
                for argument in selection.arguments or ():
                    yield argument.name.value, argument.value
            yield from _arguments(selection.selection_set, fragments, seen, False)
        elif isinstance(selection, InlineFragmentNode):
            yield from _arguments(selection.selection_set, fragments, seen, skip_root_arguments)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in seen or name not in fragments:
                continue
            seen.add(name)
            fragment = fragments[name]
            yield from _arguments(fragment.selection_set, fragments, seen, skip_root_arguments)


def refused_argument(
    operation: OperationDefinitionNode, fragments: Mapping[str, Any], variables: Mapping[str, Any]
) -> DomainError | None:
    # Root mutation inputs are answered by RefuseControlCharacters, as user errors.
    skip_root = operation.operation is OperationType.MUTATION
    for name, node in _arguments(operation.selection_set, fragments, set(), skip_root):
        if (problem := first_bad_string(_literal(node, variables), name)) is not None:
            return problem
    return None


class ControlCharacterNet(SchemaExtension):
    """Refuse an operation whose arguments hold refused characters, before anything executes."""

    async def on_execute(self) -> AsyncIterator[None]:  # type: ignore[override]
        context = self.execution_context
        problem = _problem_of(context.graphql_document, context.operation_name, context.variables)
        if problem is not None:
            error = TypedGraphQLError(problem.message, problem.code.value, problem.field)
            if context.operation_type is StrawberryOperationType.SUBSCRIPTION:
                # Strawberry answers an exception of this hook as the subscription's error; it
                # does not look at a result set here for subscriptions.
                raise error
            context.result = ExecutionResult(data=None, errors=[error])
        yield


def _problem_of(
    document: DocumentNode | None, name: str | None, variables: Mapping[str, Any] | None
) -> DomainError | None:
    if document is None:
        return None
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    for operation in document.definitions:
        if isinstance(operation, OperationDefinitionNode) and (
            name is None or (operation.name is not None and operation.name.value == name)
        ):
            return refused_argument(operation, fragments, variables or {})
    return None


def refuse_in_mutations(fields: list[StrawberryField]) -> None:
    """Put the mutation-side check on every root mutation field (before the schema is built)."""
    for field in fields:
        if not any(isinstance(e, RefuseControlCharacters) for e in field.extensions):
            field.extensions.append(RefuseControlCharacters())


__all__ = [
    "MULTILINE_FIELDS",
    "ControlCharacterNet",
    "RefuseControlCharacters",
    "first_bad_string",
    "refuse_in_mutations",
]
