"""Fragments in dependency order, so every measure of a document is computed once per fragment.

A fragment that spreads the next one twice, forty levels deep, expands to 2^40 fields: walking
spreads again at every use (as the stock depth and alias validators did) takes exponential time.
Measuring each fragment once, after the fragments it spreads, and adding up their memoised
results keeps every measure linear in the document. The order is found without recursion (a chain
of hundreds of fragments must not exhaust Python's stack), and fragments on a cycle are left out:
`NoFragmentCyclesRule` reports those, and their spreads count as empty.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)


def definitions(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    """The document's fragments by name (the first of duplicates; validation reports the rest)."""
    fragments: dict[str, FragmentDefinitionNode] = {}
    for definition in document.definitions:
        if isinstance(definition, FragmentDefinitionNode):
            fragments.setdefault(definition.name.value, definition)
    return fragments


def spreads(selection_set: SelectionSetNode | None) -> Iterator[str]:
    """Names of the fragments spread anywhere inside a selection set (not following them)."""
    pending = [selection_set] if selection_set is not None else []
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                yield selection.name.value
            elif (
                isinstance(selection, FieldNode | InlineFragmentNode)
                and selection.selection_set is not None
            ):
                pending.append(selection.selection_set)


def dependency_order(fragments: dict[str, FragmentDefinitionNode]) -> list[str]:
    """Fragment names, each after every fragment it spreads; fragments on a cycle are omitted."""
    order: list[str] = []
    done: set[str] = set()
    cyclic: set[str] = set()
    for root in fragments:
        if root in done or root in cyclic:
            continue
        # An explicit stack of (fragment, its remaining spreads): depth-first, no recursion.
        on_path = {root}
        stack = [(root, iter(set(spreads(fragments[root].selection_set))))]
        while stack:
            name, remaining = stack[-1]
            child = next(remaining, None)
            if child is None:
                stack.pop()
                on_path.discard(name)
                if name not in cyclic:
                    done.add(name)
                    order.append(name)
                continue
            if child in on_path or child in cyclic:
                # Everything from `child` up the current path is on (or reaches) a cycle.
                for ancestor, _ in stack:
                    cyclic.add(ancestor)
                continue
            if child in fragments and child not in done:
                on_path.add(child)
                stack.append((child, iter(set(spreads(fragments[child].selection_set)))))
    return order
