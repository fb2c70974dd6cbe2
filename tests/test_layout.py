"""The package layering of README "Where things are", kept by reading every import.

config/ is the ground floor; models/, events/ and workers/ build on it and never on graph/ (the API)
nor command_center/ (the CLI and demo data). Imports inside functions and under TYPE_CHECKING count
too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("config", "models", "events", "workers", "graph", "command_center")

# Packages each one must not import (a prefix match on the imported module).
FORBIDDEN = {
    "config": ("models", "events", "workers", "graph", "command_center"),
    "models": ("events", "workers", "graph", "command_center"),
    "events": ("workers", "graph", "command_center"),
    "workers": ("graph", "command_center"),
    "graph": ("command_center",),
}

# Mutually referencing GraphQL types (Email.tasks, Task.email): each side imports the other
# lazily, as Strawberry's `Annotated[..., strawberry.lazy(...)]` requires.
ALLOWED_CYCLES = [{"graph.emails.types", "graph.tasks.types"}]


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[_module_name(path)] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """Every project module imported anywhere in the file (a `from pkg import mod` names mod)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                names.add(candidate if candidate in MODULES else node.module)
    return {name for name in names if name.split(".")[0] in PACKAGES}


IMPORTS = {name: _imports(path) for name, path in MODULES.items()}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_lower_layers_do_not_import_higher_ones(package: str) -> None:
    offending = sorted(
        f"{module} imports {imported}"
        for module, imported_set in IMPORTS.items()
        if module.split(".")[0] == package
        for imported in imported_set
        if imported.split(".")[0] in FORBIDDEN[package]
    )
    assert offending == []


def _cycles() -> list[set[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    graph = {m: {d for d in deps if d in MODULES and d != m} for m, deps in IMPORTS.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in graph[node]:
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in graph:
        if node not in index:
            visit(node)
    return components


def test_no_import_cycles_but_the_explained_ones() -> None:
    assert sorted(map(sorted, _cycles())) == sorted(map(sorted, ALLOWED_CYCLES))


def test_the_checks_see_a_violation() -> None:
    # Guard against a walker that silently finds nothing: known edges must be seen.
    assert "config.settings" in IMPORTS["models.emails.commands"]
    assert "graph.tasks.types" in IMPORTS["graph.emails.types"]
    assert any(name.startswith("command_center") for name in IMPORTS["command_center.cli"])
