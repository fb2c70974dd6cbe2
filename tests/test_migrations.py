"""Migrations: committed, complete, and they build the schema the models describe."""

from __future__ import annotations

import uuid
from pathlib import Path

from tortoise import Tortoise
from tortoise.connection import get_connection

from config.database import database, pending_model_changes, run_migrations
from tests import services
from tests.database import _admin, _with_database

MIGRATIONS = sorted(
    f"models.{path.stem}"
    for path in (Path(__file__).parents[1] / "models" / "migrations").glob("[0-9]*.py")
)


async def test_no_model_change_lacks_a_migration() -> None:
    assert await pending_model_changes() == [], "run `make migrations NAME=...` and commit it"


async def _tables_and_indexes(dialect: str) -> set[str]:
    conn = get_connection("default")
    if dialect == "sqlite":
        _, rows = await conn.execute_query(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'index') "
            "AND name NOT LIKE 'sqlite_%'"
        )
    else:
        _, rows = await conn.execute_query(
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' UNION "
            "SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public'"
        )
    return {row["name"] for row in rows}


async def _check_migrations_apply(url: str, dialect: str) -> None:
    applied = await run_migrations(url)
    assert applied == MIGRATIONS
    assert await run_migrations(url) == []  # idempotent
    async with database(url):
        names = await _tables_and_indexes(dialect)
        models = {m._meta.db_table for m in Tortoise.apps.get_models_iterable()}
        assert models <= names
        # The folder-listing indexes exist (names are generated; check by count on email).
        assert sum(1 for n in names if n.startswith("idx_email_")) >= 8


async def test_migrations_build_every_table_on_sqlite(tmp_path: Path) -> None:
    await _check_migrations_apply(f"sqlite://{tmp_path / 'db.sqlite3'}", "sqlite")


async def test_migrations_build_every_table_on_postgres() -> None:
    server = services.service_url(services.POSTGRES_VAR, "PostgreSQL")
    name = f"cc_migrate_{uuid.uuid4().hex[:10]}"
    await _admin(server, f'CREATE DATABASE "{name}"')
    try:
        await _check_migrations_apply(_with_database(server, name), "postgres")
    finally:
        await _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# A SQLite database migrated and seeded with demo data by `main` before models/ was regrouped into
# domain packages (models.email -> models.emails.tables…). Tortoise records migrations by app label
# and name, not module path, so the move must need no new migration and lose nothing.
PRE_LAYOUT_DB = Path(__file__).parent / "data" / "pre_layout.sqlite3"
PRE_LAYOUT_MIGRATIONS = [name for name in MIGRATIONS if name <= "models.0008_saved_searches"]


async def test_a_database_made_before_the_layout_move_migrates_and_reads(tmp_path: Path) -> None:
    copy = tmp_path / "old.sqlite3"
    copy.write_bytes(PRE_LAYOUT_DB.read_bytes())
    url = f"sqlite://{copy}"
    applied = await run_migrations(url)
    # Only migrations written after the move run; none of the old ones is re-applied.
    assert applied == [name for name in MIGRATIONS if name not in PRE_LAYOUT_MIGRATIONS]
    assert await run_migrations(url) == []
    async with database(url):
        # Every model reads its rows with all of its columns (a missing column would raise).
        for model in Tortoise.apps.get_models_iterable():
            await model.all().limit(5)
        from models.emails.tables import Email
        from models.teams.tables import User

        assert await User.exists()
        assert await Email.all().count() > 0
