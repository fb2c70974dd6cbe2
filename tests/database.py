"""Test databases: a fresh in-memory SQLite per test, or one PostgreSQL database per session
truncated before each test."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.context import TortoiseContext

from config.database import tortoise_config


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _create_schema(url: str) -> None:
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        await ctx.generate_schemas(safe=False)


def _run(coroutine: Any) -> None:
    # Session set-up may be reached from inside a running loop (an async fixture): use a thread.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, coroutine).result()


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A throw-away database on the server, with the schema, dropped at the end."""
    name = f"cc_test_{uuid.uuid4().hex[:12]}"
    _run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    url = _with_database(server_url, name)
    try:
        _run(_create_schema(url))
        yield url
    finally:
        _run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _truncate_all() -> None:
    models = list(Tortoise.apps.get_models_iterable())
    tables = ", ".join(f'"{m._meta.db_table}"' for m in models)
    await models[0]._meta.db.execute_script(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@asynccontextmanager
async def database(url: str) -> AsyncIterator[TortoiseContext]:
    """Tortoise set up on `url` for one test, visible to every task and thread of the test."""
    # Tortoise caches compiled INSERT/DELETE SQL per connection *name*, not per dialect: without
    # this, a PostgreSQL test after a SQLite one in the same process sends SQLite placeholders.
    EXECUTOR_CACHE.clear()
    async with TortoiseContext() as ctx:
        if url.startswith("sqlite"):
            await ctx.init(
                config=tortoise_config(url), _create_db=True, _enable_global_fallback=True
            )
            await ctx.generate_schemas(safe=False)
        else:
            await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
            await _truncate_all()
        yield ctx
