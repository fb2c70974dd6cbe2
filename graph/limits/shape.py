"""The shape of an operation as it would run: depth, aliases and fields after fragment expansion.

Computed without expanding anything: each fragment is measured once (in dependency order, see
`graph.limits.fragments`) and a spread adds the fragment's memoised measure. So the 40-level
fragment bomb (2^40 fields once expanded) is measured in microseconds, and refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from graph.limits import fragments as fragment_order


@dataclass(frozen=True)
class Shape:
    depth: int  # nesting of fields with a selection set (introspection fields don't count)
    aliases: int  # aliased fields, after expansion
    fields: int  # fields, after expansion

    def __add__(self, other: Shape) -> Shape:
        return Shape(
            max(self.depth, other.depth), self.aliases + other.aliases, self.fields + other.fields
        )


EMPTY = Shape(0, 0, 0)


def _measure(selection_set: SelectionSetNode, known: dict[str, Shape]) -> Shape:
    """One selection set; spreads of fragments not in `known` (cycles, unknown) count as empty.
    Recursion here follows the document's own nesting, which the parser caps (200 levels)."""
    total = EMPTY
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            inner = EMPTY
            if selection.selection_set is not None:
                inner = _measure(selection.selection_set, known)
            # As the stock depth limiter: introspection (`__schema`, `__type`) adds no depth.
            nested = selection.selection_set is not None and not selection.name.value.startswith(
                "__"
            )
            total += Shape(
                inner.depth + 1 if nested else 0,
                inner.aliases + (selection.alias is not None),
                inner.fields + 1,
            )
        elif isinstance(selection, FragmentSpreadNode):
            total += known.get(selection.name.value, EMPTY)
        elif isinstance(selection, InlineFragmentNode):
            total += _measure(selection.selection_set, known)
    return total


def operation_shapes(document: DocumentNode) -> dict[OperationDefinitionNode, Shape]:
    """The shape of each operation of the document, in time linear in its size."""
    fragments = fragment_order.definitions(document)
    known: dict[str, Shape] = {}
    for name in fragment_order.dependency_order(fragments):
        known[name] = _measure(fragments[name].selection_set, known)
    return {
        definition: _measure(definition.selection_set, known)
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    }
