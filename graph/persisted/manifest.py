"""Trusted documents: the allow-list of operations a production client may run.

A manifest is JSON mapping each document's sha256 (hex) to its exact text: the form
relay-compiler's `persistConfig` writes, which is also what `command-center trusted-documents`
builds. Apollo's persisted query manifests (`{"format": "apollo-persisted-query-manifest",
"operations": [{"id", "body"}]}`) are read too. Every entry's hash is checked on load.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    OperationDefinitionNode,
    parse,
    print_ast,
    visit,
)
from graphql.language import Visitor


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def read_manifest(path: Path) -> dict[str, str]:
    """hash -> document; ValueError when an entry's hash is not the sha256 of its document."""
    data = json.loads(path.read_text())
    if isinstance(data, dict) and data.get("format") == "apollo-persisted-query-manifest":
        entries = {op["id"]: op["body"] for op in data.get("operations", [])}
    elif isinstance(data, dict):
        entries = data
    else:
        raise ValueError(f"{path}: expected a JSON object of sha256 -> document")
    for digest, text in entries.items():
        if not isinstance(text, str) or sha256(text) != digest:
            raise ValueError(f"{path}: entry {digest!r} is not the sha256 of its document")
    return dict(entries)


def _spreads(node: object) -> set[str]:
    names: set[str] = set()

    class Spreads(Visitor):
        def enter_fragment_spread(self, spread: FragmentSpreadNode, *_: object) -> None:
            names.add(spread.name.value)

    visit(node, Spreads())  # type: ignore[arg-type]
    return names


def operation_documents(sources: Iterable[str]) -> list[str]:
    """One document per operation found in `sources` (GraphQL texts), with every fragment it
    uses (from any source), printed canonically as graphql-js's `print` does, which is the text
    Apollo Client and urql send and hash."""
    operations: list[OperationDefinitionNode] = []
    fragments: dict[str, FragmentDefinitionNode] = {}
    for source in sources:
        for definition in parse(source).definitions:
            if isinstance(definition, OperationDefinitionNode):
                operations.append(definition)
            elif isinstance(definition, FragmentDefinitionNode):
                fragments[definition.name.value] = definition
    documents = []
    for operation in operations:
        needed: list[str] = []
        pending = sorted(_spreads(operation))
        while pending:
            name = pending.pop(0)
            if name in needed:
                continue
            if name not in fragments:
                raise ValueError(f"fragment {name!r} is used but not defined")
            needed.append(name)
            pending.extend(sorted(_spreads(fragments[name])))
        definitions = (operation, *(fragments[name] for name in needed))
        documents.append(print_ast(DocumentNode(definitions=definitions)))
    return documents


def build_manifest(paths: Iterable[Path]) -> dict[str, str]:
    """The manifest of `.graphql` files (each operation with its fragments) and existing
    manifests (`.json`, e.g. relay-compiler's persisted output), merged."""
    manifest: dict[str, str] = {}
    sources: list[str] = []
    for path in paths:
        files = sorted(path.rglob("*.graphql")) if path.is_dir() else [path]
        for file in files:
            if file.suffix == ".json":
                manifest.update(read_manifest(file))
            else:
                sources.append(file.read_text())
    manifest.update({sha256(doc): doc for doc in operation_documents(sources)})
    return dict(sorted(manifest.items()))
