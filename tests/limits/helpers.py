"""Documents that attack the server, and an app whose limits a test sets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx2
import pytest
from starlette.applications import Starlette

from config.settings import get_settings
from graph.app import create_app
from graph.http import GraphQLApp
from tests.api import World, build_world

GRAPHQL_RESPONSE = "application/graphql-response+json"


def fragment_bomb(levels: int) -> str:
    """Each fragment spreads the next one twice: 2^levels fields once expanded (~1.5 KB at 40)."""
    spreads = " ".join(
        f"fragment F{n} on Query {{ ...F{n + 1} ...F{n + 1} }}" for n in range(levels)
    )
    return f"query {{ ...F0 }} {spreads} fragment F{levels} on Query {{ me {{ id }} }}"


# The issue's query: 30 aliases of emails(100) → events(100) → email → events(100).
ALIASED_COST = (
    "{ "
    + " ".join(
        f"a{n}: emails(first: 100) {{ edges {{ node {{ events(first: 100) {{ edges {{ node {{ "
        "email { events(first: 100) { edges { node { id kind } } } } } } } } } }"
        for n in range(30)
    )
    + " }"
)


def graphql_app(app: Starlette) -> GraphQLApp:
    for route in app.routes:
        endpoint = getattr(route, "endpoint", None) or getattr(route, "app", None)
        if isinstance(endpoint, GraphQLApp):
            return endpoint
    raise AssertionError("no GraphQL route")


@asynccontextmanager
async def limited(
    monkeypatch: pytest.MonkeyPatch, **settings: object
) -> AsyncIterator[tuple[Starlette, World]]:
    """A fresh app built with these settings (CC_* names, lower case), and the two-team world
    talking to it. Needs the `db` fixture."""
    for name, value in settings.items():
        monkeypatch.setattr(get_settings(), name, value)
    async with app_client() as (app, client):
        yield app, await build_world(client)


@asynccontextmanager
async def app_client() -> AsyncIterator[tuple[Starlette, httpx2.AsyncClient]]:
    """A new app (with the current settings) and an HTTP client for it."""
    app = create_app(manage_database=False)
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:
        try:
            yield app, client
        finally:
            budget = graphql_app(app).budget
            if budget is not None:
                await budget.close()
