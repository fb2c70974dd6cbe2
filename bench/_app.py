"""The app under test: graph.app's real application (production settings, schema, middleware,
event bus) without the embedded worker and inbound SMTP listener, as an API process runs when
`command-center worker` processes do the sending.

Benchmarks serve it against cached databases: with the embedded worker its dispatcher would send
the seed's SCHEDULED emails (and run the other sweeps), changing the cached files and adding
work to the measurements that is not the request's. Served by
`uvicorn --factory bench._app:create_app` (CC_DATABASE_URL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from tortoise.contrib.starlette import RegisterTortoise

from config.database import tortoise_config
from graph import app as graph_app


def create_app() -> Starlette:
    app = graph_app.create_app(manage_database=False)
    bus_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(served: Starlette) -> AsyncIterator[None]:
        async with (
            bus_lifespan(served),
            RegisterTortoise(served, config=tortoise_config(), _enable_global_fallback=True),
        ):
            yield

    app.router.lifespan_context = lifespan
    return app
