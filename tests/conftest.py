"""Fixtures shared by every test: the database (SQLite and PostgreSQL), the app and its client."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import httpx2
import pytest
from starlette.applications import Starlette
from tortoise.context import TortoiseContext

from graph.app import create_app
from tests import services
from tests.api import Api, World, build_world
from tests.database import database, postgres_database
from tests.live_clients import serve

os.environ.setdefault("CC_DEMO", "0")
# Signing key of return paths and report tokens: fixed for the run, never a file under var/.
os.environ.setdefault("CC_VERP_SECRET", f"test-{os.getpid()}-verp-secret")

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    server = services.service_url(services.POSTGRES_VAR, "PostgreSQL")
    with postgres_database(server) as url:
        yield url


@pytest.fixture(params=BACKENDS)
async def db(request: pytest.FixtureRequest) -> AsyncIterator[TortoiseContext]:
    from models.sending import relay

    relay.forget_process_state()  # a fresh database: no relay failures seen in this process
    if request.param == "sqlite":
        url = "sqlite://:memory:"
    else:
        url = request.getfixturevalue("postgres_url")
    async with database(url) as ctx:
        yield ctx


@pytest.fixture
def app(db: TortoiseContext) -> Starlette:
    return create_app(manage_database=False)


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx2.AsyncClient]:
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def world(client: httpx2.AsyncClient) -> World:
    """Two teams: A (admin, team admin, two members) and B (admin, member), with API clients."""
    return await build_world(client)


@pytest.fixture
def api(world: World) -> Api:
    """The API as member `alice` of team A."""
    return world.alice


@pytest.fixture
async def server(app: Starlette) -> AsyncIterator[str]:
    """The app behind a real uvicorn server on a loopback port (WebSocket, SSE); its base URL."""
    async with serve(app) as url:
        yield url


@pytest.fixture
async def live(server: str) -> AsyncIterator[World]:
    """The two-team world, talking to `server` over real HTTP."""
    async with httpx2.AsyncClient(base_url=server, timeout=10) as client:
        yield await build_world(client)
