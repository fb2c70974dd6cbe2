"""A faster execution of plain leaf fields, the bulk of every listing.

A page of 50 emails with ten columns is ~550 fields; graphql-core resolves each one through the
general path (a ResolveInfo, a Path, the resolver wrapper, awaitable checks, leaf completion),
which costs far more than the value itself. Most of them are "basic" Strawberry fields: no
resolver, no arguments, no field extensions, a scalar or enum read straight off the object.

For those, `execute_fields` reads the attribute and serialises it in place. Anything else, and
any value the shortcut cannot complete normally (a null where the schema says non-null, a value
the scalar refuses), goes through graphql-core's own path, so errors, paths and results are
exactly what graphql-core would give: the shortcut only ever produces the same value faster.

Objects and lists of objects read straight off their source (a connection's edges, an edge's
node, pageInfo) are completed whole by a plan (graph/subtrees.py), with the same fallback. Plans
are compiled once per document and reused by every request of it, unless a directive of the
document reads a variable (`@skip(if: $x)`): then once per request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from weakref import WeakKeyDictionary

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    ListValueNode,
    ObjectValueNode,
    Undefined,
    ValueNode,
    VariableNode,
)
from graphql.pyutils import AwaitableOrValue, Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from graph.subtrees import Getter, compile_field, passed_through_awaitable

# (attribute name, serialise, nullable) of a basic leaf field; None: use the general path.
LeafPlan = tuple[str, Callable[[Any], Any], bool] | None
# Per schema type (weakly held: tests build many schemas), field name -> plan.
_plans: WeakKeyDictionary[GraphQLObjectType, dict[str, LeafPlan]] = WeakKeyDictionary()


def _plan(parent_type: GraphQLObjectType, field_name: str) -> LeafPlan:
    plans = _plans.get(parent_type)
    if plans is None:
        plans = _plans[parent_type] = {}
    try:
        return plans[field_name]
    except KeyError:
        pass
    field_def = parent_type.fields.get(field_name)
    plan = _leaf_plan(field_def) if field_def is not None else None
    plans[field_name] = plan
    return plan


def _leaf_plan(field_def: GraphQLField) -> LeafPlan:
    if field_def.args or not getattr(field_def.resolve, "_is_default", False):
        return None
    definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or definition.default_resolver is not getattr:
        return None
    field_type = field_def.type
    nullable = not isinstance(field_type, GraphQLNonNull)
    inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    if isinstance(inner, GraphQLScalarType | GraphQLEnumType):
        return definition.python_name, inner.serialize, nullable
    # A list of non-null leaves ([String!]!): serialised item by item.
    if isinstance(inner, GraphQLList) and isinstance(inner.of_type, GraphQLNonNull):
        item = inner.of_type.of_type
        if isinstance(item, GraphQLScalarType | GraphQLEnumType):
            return definition.python_name, _list_serializer(item.serialize), nullable
    return None


def _list_serializer(serialize: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def serialize_list(values: Any) -> list[Any] | None:
        if not isinstance(values, list | tuple):
            return None  # not a list: the general path decides
        items = [serialize(value) for value in values]
        if any(
            item is None or item is Undefined or passed_through_awaitable(value, item)
            for value, item in zip(values, items, strict=True)
        ):
            return None
        return items

    return serialize_list


# Subtree plans of the documents seen, by parent type and the field's nodes. Documents come
# from the parse cache, so every request of one query text brings the same nodes and reuses the
# plans of the first. An entry holds its type and nodes, so their ids are not reused while it
# lives; when full, the cache starts over.
_document_subtrees: dict[tuple[int, ...], tuple[Any, Any, Getter | None]] = {}
MAX_DOCUMENT_SUBTREES = 4096
# Per operation node: whether a directive reads a variable (@skip(if: $x)) anywhere in it or in
# the fragments, so that its plans depend on the request's variables and are kept per request.
_varying: dict[int, tuple[Any, bool]] = {}


def _reads_variables(node: Any) -> bool:
    """Whether a directive under `node` (a definition or selection) takes a variable."""
    for directive in getattr(node, "directives", None) or ():
        for argument in directive.arguments or ():
            if not isinstance(argument.value, ValueNode) or _has_variable(argument.value):
                return True
    selection_set = getattr(node, "selection_set", None)
    return selection_set is not None and any(
        _reads_variables(selection) for selection in selection_set.selections
    )


def _has_variable(value: Any) -> bool:
    if isinstance(value, VariableNode):
        return True
    if isinstance(value, ListValueNode):
        return any(_has_variable(item) for item in value.values)
    if isinstance(value, ObjectValueNode):
        return any(_has_variable(field.value) for field in value.fields)
    return False


class ExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Subtree plans of this request, by field group (kept alive so its id is not reused).
        self._subtrees: dict[int, tuple[Any, Getter | None]] = {}
        self._per_document: bool | None = None

    def _plans_per_document(self) -> bool:
        if self._per_document is None:
            operation = self.operation
            known = _varying.get(id(operation))
            if known is None or known[0] is not operation:
                varies = _reads_variables(operation) or any(
                    _reads_variables(fragment) for fragment in self.fragments.values()
                )
                if len(_varying) >= MAX_DOCUMENT_SUBTREES:
                    _varying.clear()
                known = _varying[id(operation)] = (operation, varies)
            self._per_document = not known[1]
        return self._per_document

    def _subtree(self, parent_type: GraphQLObjectType, field_details_list: Any) -> Getter | None:
        key = id(field_details_list)
        cached = self._subtrees.get(key)
        if cached is not None:
            return cached[1]
        getter = self._document_subtree(parent_type, field_details_list)
        self._subtrees[key] = (field_details_list, getter)
        return getter

    def _document_subtree(
        self, parent_type: GraphQLObjectType, field_details_list: Any
    ) -> Getter | None:
        if not self._plans_per_document():
            return compile_field(self, parent_type, field_details_list)
        nodes = tuple(details.node for details in field_details_list)
        key = (id(parent_type), *map(id, nodes))
        cached = _document_subtrees.get(key)
        if (
            cached is not None
            and cached[0] is parent_type
            and all(a is b for a, b in zip(cached[1], nodes, strict=True))
        ):
            return cached[2]
        getter = compile_field(self, parent_type, field_details_list)
        if any(details.defer_usage is not None for details in field_details_list):
            return getter  # @defer: not planned, and not worth keeping
        if len(_document_subtrees) >= MAX_DOCUMENT_SUBTREES:
            _document_subtrees.clear()
        _document_subtrees[key] = (parent_type, nodes, getter)
        return getter

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        manager = self.middleware_manager
        if manager is not None and manager.middlewares:
            # Middleware (an extension with a `resolve` hook) must see every field: no shortcut.
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        general = False
        for response_name, field_details_list in grouped_field_set.items():
            node = field_details_list[0].node
            if node.arguments:
                plan = None
            else:
                plan = _plan(parent_type, node.name.value)
                if plan is None:
                    # An object or list of objects read straight off the source: its whole
                    # subtree by one compiled plan, or graphql-core's path if it cannot.
                    subtree = self._subtree(parent_type, field_details_list)
                    if subtree is not None:
                        try:
                            results[response_name] = subtree(source_value)
                            continue
                        except Exception:
                            pass
            if plan is not None:
                attribute, serialize, nullable = plan
                value = getattr(source_value, attribute)
                if value is None:
                    if nullable:
                        results[response_name] = None
                        continue
                else:
                    try:
                        serialized = serialize(value)
                    except Exception:
                        serialized = None  # let the general path report it
                    if (
                        serialized is not None
                        and serialized is not Undefined
                        and not passed_through_awaitable(value, serialized)
                    ):
                        results[response_name] = serialized
                        continue
            results[response_name] = Undefined
            general = True
        if not general:
            return results
        return self._complete_general(
            parent_type, source_value, path, grouped_field_set, position_context, results
        )

    def _complete_general(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
        results: dict[str, Any],
    ) -> AwaitableOrValue[dict[str, Any]]:
        # The remaining fields, by graphql-core's own method, merged back in query order.
        remaining = {
            name: details
            for name, details in grouped_field_set.items()
            if results[name] is Undefined
        }
        done = super().execute_fields(parent_type, source_value, path, remaining, position_context)

        def merge(values: dict[str, Any]) -> dict[str, Any]:
            for name in list(results):
                if results[name] is Undefined:
                    if name in values:
                        results[name] = values[name]
                    else:
                        del results[name]  # graphql-core skipped it (unknown field)
            return results

        if self.is_awaitable(done):

            async def merged() -> dict[str, Any]:
                return merge(await done)  # type: ignore[misc]

            return merged()
        return merge(done)  # type: ignore[arg-type]
