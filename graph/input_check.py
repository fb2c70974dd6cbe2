"""The GraphQL layer's net for control characters in arguments (rules in models/base/text.py).

Domain commands check the fields they validate; this net covers every string argument before any
resolver runs, including those no validator sees (ids, cursors, search text, idempotency keys):

- mutations (`RefuseControlCharacters`, a field extension on every root mutation field): the
  `input` is walked; bad strings answer the mutation's own payload with
  `userErrors { field: "<camelCase field>", code: INVALID_INPUT }` and nothing runs — except when
  every bad string is in a field its command checks itself (subjects, bodies, names…), which
  then reports it along with the input's other problems, all at once;
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


# Per mutation, the fields its command checks for control characters itself, together with their
# other rules (models/base/text.py), so the mutation still reports every problem of its input at
# once. The net lets a mutation whose only refused characters are in these fields reach its
# command; any other mutation (or field) is refused by the net before it runs. The schema-walking
# test (tests/base/test_control_characters.py) proves each of them is refused.
_DRAFT = frozenset({"subject", "bodyHtml", "bodyText", "to", "cc", "bcc"})
_TEMPLATE = frozenset({"name", "subject", "bodyHtml", "bodyText"})
_PERSON = frozenset({"email", "firstName", "lastName", "company", "title"})
_TASK = frozenset({"title", "details"})
_SEARCH = frozenset({"name", "text"})
CHECKED_BY_COMMANDS: dict[str, frozenset[str]] = {
    "createDraft": _DRAFT,
    "updateDraft": _DRAFT,
    "createTemplate": _TEMPLATE,
    "updateTemplate": _TEMPLATE,
    "sendBulkEmail": frozenset({"subject", "bodyHtml", "bodyText", "idempotencyKey"}),
    "createPerson": _PERSON,
    "updatePerson": _PERSON,
    "createTask": _TASK,
    "updateTask": _TASK,
    "createFollowUpTask": _TASK,
    "completeTask": frozenset({"outcome"}),
    "saveSearch": _SEARCH,
    "updateSavedSearch": _SEARCH,
    "createToken": frozenset({"label"}),
    "updateMe": frozenset({"name"}),
}


def _leaf_name(path: str) -> str:
    return path.rsplit(".", 1)[-1]


def bad_strings(value: Any, path: str) -> Iterator[DomainError]:
    """Every string in a (JSON-like or Strawberry input) value holding a refused character."""
    if isinstance(value, str):
        char = bad_character(value, multiline=_leaf_name(path) in MULTILINE_FIELDS)
        if char is not None:
            yield invalid_character(char, path)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            yield from bad_strings(str(key), child)
            yield from bad_strings(item, child)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            # Objects in a list are named by position, as commands do ("overrides[1].subject").
            scalar = isinstance(item, str | int | float | bool) or item is None
            yield from bad_strings(item, path if scalar else f"{path}[{index}]")
    elif has_object_definition(value):
        for field in get_object_definition(value, strict=True).fields:
            name = field.graphql_name or to_camel_case(field.python_name)
            child = f"{path}.{name}" if path else name
            yield from bad_strings(getattr(value, field.python_name), child)


def first_bad_string(value: Any, path: str) -> DomainError | None:
    return next(bad_strings(value, path), None)


def _refused_payload(field: StrawberryField, problems: list[DomainError]) -> Any:
    """The mutation's payload with the refusals as its user errors, every other field empty."""
    payload_type = field.type
    if isinstance(payload_type, StrawberryOptional):
        payload_type = payload_type.of_type
    values: dict[str, Any] = {}
    for member in get_object_definition(payload_type, strict=True).fields:
        kind = member.type
        if member.python_name == "user_errors":
            values["user_errors"] = [
                UserError(field=p.field, message=p.message, code=p.code) for p in problems
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
    """On a root mutation field: refuse a bad `input` with typed user errors, before resolving,
    unless its command checks every refused field itself (CHECKED_BY_COMMANDS)."""

    async def resolve_async(self, next_: Any, source: Any, info: Info, **kwargs: Any) -> Any:
        problems = [
            problem
            for name, value in kwargs.items()
            for problem in bad_strings(value, "" if name == "input" else to_camel_case(name))
        ]
        checked = CHECKED_BY_COMMANDS.get(info.field_name, frozenset())
        if any(_leaf_name(p.field or "") not in checked for p in problems):
            return _refused_payload(info._field, problems)
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
        problem = problem_of(context.graphql_document, context.operation_name, context.variables)
        if problem is not None:
            error = TypedGraphQLError(problem.message, problem.code.value, problem.field)
            if context.operation_type is StrawberryOperationType.SUBSCRIPTION:
                # Strawberry answers an exception of this hook as the subscription's error; it
                # does not look at a result set here for subscriptions.
                raise error
            context.result = ExecutionResult(data=None, errors=[error])
        yield


def problem_of(
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
