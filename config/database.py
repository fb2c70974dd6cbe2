"""Tortoise configuration, shared by the app, the workers, the CLI and the migration tool."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.client import ConnectionWrapper
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate
from tortoise.migrations.autodetector import MigrationAutodetector
from tortoise.migrations.executor import PlanStep

from config.settings import get_settings

MODEL_MODULES = [
    "models.teams.tables",
    "models.people.tables",
    "models.people.bounces",
    "models.campaigns.tables",
    "models.emails.tables",
    "models.emails.counters",
    "models.sending.quota",
    "models.sending.relay",
    "models.templates.tables",
    "models.bulk.requests",
    "models.tasks.tables",
    "models.engagement.tracking",
    "models.engagement.replies",
    "models.inbound.tables",
    "models.search.tables",
]


async def _enter_releasing_on_failure(self: ConnectionWrapper[Any]) -> Any:
    await self._lock.acquire()
    try:
        await self.ensure_connection()
    except BaseException:
        self._lock.release()
        raise
    return self.connection


# Tortoise 1.1.9 takes the SQLite connection's lock and then (re)connects, without releasing the
# lock when connecting fails (an unreadable database file): every later query would wait forever.
# Release it, so each query fails and can be answered as an outage (README: Known upstream quirk).
ConnectionWrapper.__aenter__ = _enter_releasing_on_failure  # type: ignore[method-assign]


def tortoise_config(database_url: str | None = None) -> dict[str, Any]:
    url = database_url or get_settings().database_url
    if url.startswith("sqlite://") and ":memory:" not in url:
        Path(url.removeprefix("sqlite://")).parent.mkdir(parents=True, exist_ok=True)
    return {
        "connections": {"default": url},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "models.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def __getattr__(name: str) -> Any:
    # The `tortoise` CLI reads TORTOISE_ORM lazily so it follows CC_DATABASE_URL.
    if name == "TORTOISE_ORM":
        return tortoise_config()
    raise AttributeError(name)


@asynccontextmanager
async def database(database_url: str | None = None) -> AsyncIterator[TortoiseContext]:
    """Tortoise set up for the duration of the block (CLI commands, scripts); connections closed."""
    async with TortoiseContext() as ctx:
        await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)
        yield ctx


async def run_migrations(database_url: str | None = None) -> list[str]:
    """Apply every pending migration; returns the applied ones ("models.0001_initial"…)."""
    planned: list[str] = []

    def record(_connection: str, plan: list[PlanStep], _fake: bool, _dry_run: bool) -> None:
        planned.extend(f"{step.migration.app_label}.{step.migration.name}" for step in plan)

    async with TortoiseContext():
        await migrate(config=tortoise_config(database_url), reporter=record)
    return planned


async def pending_model_changes() -> list[str]:
    """What `tortoise makemigrations` would write, without writing it: [] when migrations match.

    Compares the models with the migration files only; no database is touched.
    """
    config = tortoise_config("sqlite://:memory:")
    async with TortoiseContext() as ctx:
        await ctx.init(config=config, init_connections=False)
        assert ctx.apps is not None
        writers = await MigrationAutodetector(ctx.apps, config["apps"]).changes()
    return [
        f"{writer.app_label}: {operation.describe()}"
        for writer in writers
        for operation in writer.operations
    ]
