"""Running one request through the compiled path and the general path, and telling which ran."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from graph.compiled.listing import CompiledListings
from graph.persisted.manifest import sha256
from tests.api import Api


@contextmanager
def compiled_answers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes | None]]:
    """Records what the compiled path answered for each request it saw (None: it fell back)."""
    answers: list[bytes | None] = []
    respond = CompiledListings.respond

    async def spy(self: CompiledListings, *args: Any, **kwargs: Any) -> bytes | None:
        answer = await respond(self, *args, **kwargs)
        answers.append(answer)
        return answer

    with monkeypatch.context() as patch:
        patch.setattr(CompiledListings, "respond", spy)
        yield answers


def persisted_body(document: str, variables: dict[str, Any]) -> dict[str, Any]:
    extension = {"persistedQuery": {"version": 1, "sha256Hash": sha256(document)}}
    return {"query": document, "variables": variables, "extensions": extension}


async def both_paths(
    api: Api, document: str, variables: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any], int, int]:
    """(persisted answer, general answer, their HTTP statuses) for the same request; the
    general path gets the same document sent as plain text (neither persisted nor trusted)."""
    persisted = await api.post(persisted_body(document, variables))
    general = await api.post({"query": document, "variables": variables})
    return json.loads(persisted.content), general.json(), persisted.status_code, general.status_code


def comparable(result: dict[str, Any]) -> dict[str, Any]:
    """The result less what differs between any two requests: the budget's remaining/reset time
    (they move with every request) and the request ids of masked internal errors."""
    cost = result.get("extensions", {}).get("cost", {})
    budget = cost.get("budget")
    if isinstance(budget, dict):
        cost["budget"] = {"limit": budget["limit"]}
    for error in result.get("errors") or ():
        (error.get("extensions") or {}).pop("requestId", None)
    return result
