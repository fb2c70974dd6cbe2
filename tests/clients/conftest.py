"""An app built under chosen CC_* settings (CORS origins, persisted queries, trusted documents)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx2
import pytest
from starlette.applications import Starlette
from tortoise.context import TortoiseContext

from config.settings import get_settings
from graph.app import create_app

AppFactory = Callable[..., Starlette]


@pytest.fixture
def configured_app(db: TortoiseContext, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppFactory]:
    """configured_app(CC_X="…") -> the app created with those settings (read at creation)."""

    def make(**env: str) -> Starlette:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        return create_app(manage_database=False)

    yield make
    get_settings.cache_clear()  # monkeypatch restores the variables right after


@contextlib.asynccontextmanager
async def asgi_client(app: Starlette, **kwargs: Any) -> AsyncIterator[httpx2.AsyncClient]:
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(
        transport=transport, base_url="http://testserver", **kwargs
    ) as client:
        yield client
