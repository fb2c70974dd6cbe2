"""The static cost of an operation: what it may make the server load, known before it runs.

In the spirit of GitHub's and Shopify's (README: Limits, for the formula with examples):
- a scalar or enum field costs 0; an object field 1 plus its selection;
- a connection (a field with `first`/`last`) costs 1 plus its selection, where its `edges` and
  `nodes` count once per item: `first`/`last` (a literal, a variable or the variable's default;
  at most the page cap) or the default page size when absent;
- any other list of objects counts as a default-size page of them;
- introspection is free (the schema is in memory); a mutation's root field adds MUTATION_COST;
- a field that aggregates many rows in one query (AGGREGATE_COSTS: a report) adds its surcharge;
- an operation costs at least 1.

Linear in the document, like `graph.limits.shape`: a fragment's cost is computed once, as a pair
(fixed part, part per connection item), so a fragment on a connection type is reused at any page
size without being walked again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLCompositeType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_composite_type,
)

from graph.limits import fragments as fragment_order
from models.base.pagination import DEFAULT_PAGE, MAX_PAGE

MUTATION_COST = 10
# Fields whose one query reads every row in a range (up to a year of a team's emails, where a
# listing page reads 20): (parent type, field) -> surcharge, on top of what the selection costs.
AGGREGATE_COSTS: dict[tuple[str, str], int] = {("Query", "engagementReport"): 100}
ITEM_FIELDS = frozenset({"edges", "nodes"})
PAGE_ARGUMENTS = ("first", "last")

# (fixed cost, cost per connection item) of a selection set.
Cost = tuple[int, int]


def _is_list(type_: GraphQLType) -> bool:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


class _Costing:
    def __init__(
        self,
        schema: GraphQLSchema,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.variables = dict(variables)
        for definition in operation.variable_definitions or ():
            name = definition.variable.name.value
            if name not in self.variables and isinstance(definition.default_value, IntValueNode):
                self.variables[name] = int(definition.default_value.value)
        self.fragments: dict[str, Cost] = {}

    def page_size(self, field: FieldNode) -> int:
        for argument in field.arguments or ():
            if argument.name.value not in PAGE_ARGUMENTS:
                continue
            value: Any = None
            if isinstance(argument.value, IntValueNode):
                value = int(argument.value.value)
            elif isinstance(argument.value, VariableNode):
                value = self.variables.get(argument.value.name.value)
            if isinstance(value, int) and not isinstance(value, bool):
                # Beyond the cap the resolver refuses the page (PAGE_TOO_LARGE): count the cap.
                return max(0, min(value, MAX_PAGE))
        return DEFAULT_PAGE

    def field_cost(self, field: FieldNode, definition: GraphQLField) -> int:
        inner_type = get_named_type(definition.type)
        if field.selection_set is None or not is_composite_type(inner_type):
            return 0
        fixed, per_item = self.selection_cost(field.selection_set, inner_type)
        if any(name in definition.args for name in PAGE_ARGUMENTS):
            return 1 + fixed + self.page_size(field) * per_item
        single = 1 + fixed + DEFAULT_PAGE * per_item
        return DEFAULT_PAGE * single if _is_list(definition.type) else single

    def selection_cost(self, selection_set: SelectionSetNode, parent: GraphQLNamedType) -> Cost:
        """Recursion follows the document's own nesting, which the parser caps (200 levels)."""
        fixed = per_item = 0
        fields = (
            parent.fields if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else {}
        )
        on_connection = parent.name.endswith("Connection")
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                definition = fields.get(name)
                if definition is None or name.startswith("__"):
                    continue  # introspection (free) or unknown (validation refuses it)
                if on_connection and name in ITEM_FIELDS and selection.selection_set:
                    item_type = get_named_type(definition.type)
                    item_fixed, item_per = self.selection_cost(selection.selection_set, item_type)
                    per_item += 1 + item_fixed + DEFAULT_PAGE * item_per
                else:
                    fixed += self.field_cost(selection, definition)
                    fixed += AGGREGATE_COSTS.get((parent.name, name), 0)
            elif isinstance(selection, FragmentSpreadNode):
                spread_fixed, spread_per = self.fragments.get(selection.name.value, (0, 0))
                fixed, per_item = fixed + spread_fixed, per_item + spread_per
            elif isinstance(selection, InlineFragmentNode):
                inner = parent
                if selection.type_condition is not None:
                    found = self.schema.get_type(selection.type_condition.name.value)
                    inner = found if isinstance(found, GraphQLCompositeType) else parent
                inline_fixed, inline_per = self.selection_cost(selection.selection_set, inner)
                fixed, per_item = fixed + inline_fixed, per_item + inline_per
        return fixed, per_item


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None = None,
) -> int:
    """The static cost of `operation` (one of `document`'s) with these variable values."""
    costing = _Costing(schema, operation, variables or {})
    fragments = fragment_order.definitions(document)
    for name in fragment_order.dependency_order(fragments):
        condition = schema.get_type(fragments[name].type_condition.name.value)
        if isinstance(condition, GraphQLCompositeType):
            costing.fragments[name] = costing.selection_cost(
                fragments[name].selection_set, condition
            )
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 1
    fixed, per_item = costing.selection_cost(operation.selection_set, root)
    total = fixed + DEFAULT_PAGE * per_item
    if operation.operation == OperationType.MUTATION:
        roots = sum(isinstance(s, FieldNode) for s in operation.selection_set.selections)
        total += MUTATION_COST * roots
    return max(1, total)
