"""Benchmark databases: SQLite files cached under var/bench/ (keyed by what they hold and by the
schema), or throwaway PostgreSQL databases created for the run and dropped after it."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.context import TortoiseContext
from tortoise.utils import get_schema_sql

from bench._report import log
from config.database import tortoise_config

VAR = Path("var/bench")

Seeder = Callable[[str], Awaitable[None]]


def asyncpg_url(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


@asynccontextmanager
async def orm(url: str, *, create_schema: bool = False) -> AsyncIterator[TortoiseContext]:
    """Tortoise on `url` for the block (global fallback on, like the app)."""
    EXECUTOR_CACHE.clear()  # compiled SQL is cached per connection name, not per dialect
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url), _enable_global_fallback=True)
        if create_schema:
            await ctx.generate_schemas(safe=False)
        yield ctx


async def _schema_fingerprint() -> str:
    async with orm("sqlite://:memory:") as ctx:
        sql = get_schema_sql(ctx.connections.get("default"), safe=False)
    return hashlib.sha256(sql.encode()).hexdigest()[:10]


class CachedDatabaseChanged(RuntimeError):
    """A benchmark wrote to a cached database: later runs would measure other data."""


def checksum(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha1").hexdigest()


@asynccontextmanager
async def sqlite_database(key: str, seed: Seeder, *, scratch: bool = True) -> AsyncIterator[str]:
    """A cached file for `key`; rebuilt when missing or when the models' schema changed.

    Benchmarks get a scratch copy of it, deleted after the run: the app under test writes even
    when it only answers reads (a token's `last_used_at`), and some benchmarks record clicks or
    stamp due rows. The cached file must come out as it went in: checked by checksum (a changed
    file is deleted and the run fails). `scratch=False` serves the cached file itself, for a
    benchmark that really only reads."""
    path = VAR / f"{key}-{await _schema_fingerprint()}.sqlite3"
    building = path.with_name(path.name + ".building")
    if _cached(path, key):
        log(f"reusing {path}")
    else:
        async with orm(f"sqlite://{building}", create_schema=True):
            pass
        await seed(f"sqlite://{building}")
        building.rename(path)
    before = await asyncio.to_thread(checksum, path)
    copy = path.with_name(f"scratch-{uuid.uuid4().hex[:8]}-{path.name}")
    if scratch:
        await asyncio.to_thread(shutil.copyfile, path, copy)
    try:
        yield f"sqlite://{copy if scratch else path}"
    finally:
        for leftover in copy.parent.glob(copy.name + "*"):
            leftover.unlink()
        if await asyncio.to_thread(checksum, path) != before:
            path.unlink()
            raise CachedDatabaseChanged(f"{path} changed during the benchmark; deleted")


def _cached(path: Path, key: str) -> bool:
    """Whether `path` is there; if not, clear older builds of `key` (other schema, interrupted)."""
    if path.exists():
        return True
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in [*path.parent.glob(f"{key}-*.sqlite3*"), *path.parent.glob(f"scratch-*-{key}-*")]:
        stale.unlink()
    return False


@asynccontextmanager
async def postgres_database(
    server_url: str, key: str, seed: Seeder, *, schema: bool = True
) -> AsyncIterator[str]:
    """A database created on the server for this run, seeded, and dropped at the end (empty,
    without tables, if not `schema`: for a seed that runs the migrations itself)."""
    name = f"cc_bench_{key.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
    url = urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    admin = await asyncpg.connect(asyncpg_url(server_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            if schema:
                async with orm(url, create_schema=True):
                    pass
            await seed(url)
            yield url
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def seeded_database(
    postgres: str | None, key: str, seed: Seeder, *, scratch: bool = True
) -> AbstractAsyncContextManager[str]:
    """`async with seeded_database(args.postgres, "emails-10000", seed) as url:` — on SQLite a
    scratch copy of the cached file (see `sqlite_database`); PostgreSQL databases are the run's
    own anyway."""
    if postgres:
        return postgres_database(postgres, key, seed)
    return sqlite_database(key, seed, scratch=scratch)
