"""Plain object subtrees completed by a plan compiled once per request, not per object.

A listing page is 50 edges, each an object holding another object: graphql-core completes every
one of them through its general path (a ResolveInfo, a Path, the resolver wrapper, completion of
an object, collection of its subfields), which costs far more than reading the attributes.

A subtree is "plain" when every field in it is read straight off its object: no resolver, no
arguments, no field extensions, no directive other than @skip/@include (already applied by
graphql-core's own field collection), no @defer, concrete object types only, leaves and lists of
them. For such a subtree `compile_field` builds closures that read and serialise everything.

Any value the plan cannot complete normally (a null where the schema says non-null, a value the
scalar refuses, a failed type check, something that is not a list) raises `Abort`; the caller
then completes that field through graphql-core's own path from scratch. The plan only ever read
attributes, never called a resolver, so nothing runs twice that has effects; errors, paths and
results are graphql-core's own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import EnumMeta
from inspect import isawaitable
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLString,
    Undefined,
)
from graphql.type.scalars import GRAPHQL_MAX_INT, GRAPHQL_MIN_INT
from strawberry.schema.schema import (
    # The base class, not graph.execution's subclass: only collect_subfields is used, and
    # graph.execution imports this module.
    StrawberryGraphQLCoreExecutionContext as ExecutionContext,
)
from strawberry.schema.schema_converter import CustomGraphQLEnumType, GraphQLCoreConverter
from strawberry.schema.types.base_scalars import isoformat
from strawberry.types.field import StrawberryField

# Reads one field of a source object and returns its completed value, or raises Abort.
Getter = Callable[[Any], Any]
# Completes a whole object: response name -> value, in query order.
Completer = Callable[[Any], dict[str, Any]]

SKIP_INCLUDE = frozenset({"skip", "include"})


# Types a value of which can never be awaitable: no need to ask.
PLAIN_TYPES = frozenset({str, int, float, bool})


def passed_through_awaitable(value: Any, serialized: Any) -> bool:
    """A scalar that returns its input (JSON, ID…) would let an awaitable attribute through
    unawaited; graphql-core awaits it: the caller must use graphql-core's path then."""
    return serialized is value and type(value) not in PLAIN_TYPES and isawaitable(value)


class Abort(Exception):
    """The plan cannot complete this value exactly like graphql-core: use graphql-core."""


def _basic(field_def: Any) -> StrawberryField | None:
    """The Strawberry field when it is a plain attribute read, else None."""
    if field_def.args or getattr(field_def.resolve, "__name__", "") != "_get_basic_result":
        return None
    definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if (
        not isinstance(definition, StrawberryField)
        or not definition.is_basic_field
        or definition.default_resolver is not getattr
    ):
        return None
    return definition


TypeCheck = Callable[[Any, Any], Any] | None


def _type_check(object_type: GraphQLObjectType) -> tuple[bool, TypeCheck]:
    """(plannable, is_type_of): Strawberry's own is_type_of never reads `info`, so the plan may
    call it without one; someone else's might: no plan then."""
    check = object_type.is_type_of
    if check is None:
        return True, None
    return getattr(check, "__module__", "") == "strawberry.schema.schema_converter", check


# Completes one non-null value of a field (a leaf or an object), or raises Abort.
ValueCompleter = Callable[[Any], Any]


def _leaf_value(serialize: Callable[[Any], Any]) -> ValueCompleter:
    def leaf(value: Any) -> Any:
        if isinstance(value, Exception):
            raise Abort
        serialized = serialize(value)  # a refusal raises: the caller turns it into Abort
        if (
            serialized is None
            or serialized is Undefined
            or passed_through_awaitable(value, serialized)
        ):
            raise Abort
        return serialized

    return leaf


def _object_value(check: TypeCheck, complete: Completer) -> ValueCompleter:
    def object_(value: Any) -> Any:
        if isinstance(value, Exception) or (check is not None and check(value, None) is not True):
            raise Abort
        return complete(value)

    return object_


# The exact Python type whose values a leaf type writes unchanged (String, ID, Boolean): what
# graphql-core's serializer returns for them is the value itself.
_UNCHANGED: dict[Any, type] = {GraphQLString: str, GraphQLID: str, GraphQLBoolean: bool}


def _fast_leaf(leaf_type: Any) -> tuple[type, Callable[[Any], Any] | None] | None:
    """(exact type, conversion; None: unchanged) of the values a leaf type completes without
    its serializer, giving exactly what the serializer gives them; None when there is no such
    shortcut. Values of any other type take the serializer's path."""
    if leaf_type in _UNCHANGED:
        return _UNCHANGED[leaf_type], None
    if leaf_type is GraphQLInt:
        return int, None  # range-checked by the caller
    if getattr(leaf_type, "coerce_output_value", None) is isoformat:  # Strawberry's DateTime
        return datetime, datetime.isoformat
    if isinstance(leaf_type, CustomGraphQLEnumType) and isinstance(leaf_type.wrapped_cls, EnumMeta):
        # The name of every member, as the enum's own serializer finds it.
        members: list[Any] = list(leaf_type.wrapped_cls)
        names = {member: leaf_type.coerce_output_value(member) for member in members}
        return leaf_type.wrapped_cls, names.__getitem__
    return None


def _leaf_getter(attribute: str, nullable: bool, leaf_type: Any) -> Getter:
    """Read and complete one leaf field: the common exact types in place, else as _leaf_value."""
    general = _leaf_value(leaf_type.coerce_output_value)

    def other(value: Any) -> Any:
        if value is None or value is Undefined:
            if nullable:
                return None
            raise Abort
        return general(value)

    fast = _fast_leaf(leaf_type)
    if fast is None:
        return lambda source: other(getattr(source, attribute))
    kind, convert = fast
    if kind is int:

        def int_leaf(source: Any) -> Any:
            value = getattr(source, attribute)
            if type(value) is int and GRAPHQL_MIN_INT <= value <= GRAPHQL_MAX_INT:
                return value
            return other(value)

        return int_leaf
    if convert is None:

        def unchanged_leaf(source: Any) -> Any:
            value = getattr(source, attribute)
            return value if type(value) is kind else other(value)

        return unchanged_leaf
    convert_ = convert

    def converted_leaf(source: Any) -> Any:
        value = getattr(source, attribute)
        return convert_(value) if type(value) is kind else other(value)

    return converted_leaf


def _single_getter(attribute: str, nullable: bool, item: ValueCompleter) -> Getter:
    def single(source: Any) -> Any:
        value = getattr(source, attribute)
        if value is None or value is Undefined:
            if nullable:
                return None
            raise Abort
        return item(value)

    return single


def _list_getter(
    attribute: str,
    nullable: bool,
    items_nullable: bool,
    item: ValueCompleter,
    unchanged: type | None = None,
) -> Getter:
    """`unchanged`: the exact type of items written as they are (a list of strings)."""

    def items(source: Any) -> Any:
        values = getattr(source, attribute)
        if values is None or values is Undefined:
            if nullable:
                return None
            raise Abort
        if not isinstance(values, list | tuple):
            raise Abort
        if unchanged is not None:
            for value in values:  # (a loop: cheaper than all() over a generator for short lists)
                if type(value) is not unchanged:
                    break
            else:
                return list(values)
        completed: list[Any] = []
        for value in values:
            if value is None or value is Undefined:
                if not items_nullable:
                    raise Abort
                completed.append(None)
                continue
            completed.append(item(value))
        return completed

    return items


def _typename_getter(name: str) -> Getter:
    return lambda _source: name


def _unwrap(field_type: Any) -> tuple[Any, bool]:
    if isinstance(field_type, GraphQLNonNull):
        return field_type.of_type, False
    return field_type, True


def compile_field(
    context: ExecutionContext, parent_type: GraphQLObjectType, field_details_list: Any
) -> Getter | None:
    """A getter completing this field and everything below it, or None when not plain."""
    for details in field_details_list:
        node = details.node
        if details.defer_usage is not None or node.arguments:
            return None
        if any(directive.name.value not in SKIP_INCLUDE for directive in node.directives or ()):
            return None
    field_name = field_details_list[0].node.name.value
    if field_name == "__typename":
        return _typename_getter(parent_type.name)
    field_def = parent_type.fields.get(field_name)
    definition = _basic(field_def) if field_def is not None else None
    if definition is None:
        return None
    attribute = definition.python_name
    inner, nullable = _unwrap(field_def.type)  # type: ignore[union-attr]
    if isinstance(inner, GraphQLList):
        item_type, items_nullable = _unwrap(inner.of_type)
        item = _value_completer(context, item_type, field_details_list)
        unchanged = _UNCHANGED.get(item_type)
        return _list_getter(attribute, nullable, items_nullable, item, unchanged) if item else None
    if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
        return _leaf_getter(attribute, nullable, inner)
    item = _value_completer(context, inner, field_details_list)
    return _single_getter(attribute, nullable, item) if item else None


def _value_completer(
    context: ExecutionContext, value_type: Any, field_details_list: Any
) -> ValueCompleter | None:
    """How to complete one non-null value of `value_type`, or None when not plain."""
    if isinstance(value_type, GraphQLScalarType | GraphQLEnumType):
        return _leaf_value(value_type.coerce_output_value)
    if isinstance(value_type, GraphQLObjectType):
        complete = _compile_object(context, value_type, field_details_list)
        plannable, check = _type_check(value_type)
        if complete is None or not plannable:
            return None
        return _object_value(check, complete)
    return None  # an interface, a union, a list of lists: graphql-core's path


def _compile_object(
    context: ExecutionContext, object_type: GraphQLObjectType, field_details_list: Any
) -> Completer | None:
    # graphql-core's own (memoised) collection: fragments, @skip/@include, variables.
    grouped_field_set, new_defer_usages, forbidden = context.collect_subfields(
        object_type, field_details_list
    )
    if new_defer_usages or forbidden:
        return None
    getters: list[tuple[str, Getter]] = []
    for response_name, sub_details in grouped_field_set.items():
        getter = compile_field(context, object_type, sub_details)
        if getter is None:
            return None
        getters.append((response_name, getter))

    def complete(source: Any) -> dict[str, Any]:
        return {name: getter(source) for name, getter in getters}

    return complete
