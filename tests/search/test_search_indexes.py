"""The engagement-window subquery is served by the email_event index (read from the plans)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from models.base import clock
from models.emails import folders
from models.emails.tables import Email, EmailEvent, EmailEventKind, EmailStatus
from models.search.filters import EmailFilter, Engagement
from tests.api import Api, World


async def plan(query: Any) -> str:
    """EXPLAIN with bound parameters (the subquery's are not inlined by `sql()`)."""
    query = query.order_by("-status_at", "-id").limit(21)
    query._choose_db_if_not_chosen()
    query._make_query()
    sql, params = query.query.get_parameterized_sql()
    conn = get_connection("default")
    if conn.capabilities.dialect == "sqlite":
        _, rows = await conn.execute_query(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row["detail"]) for row in rows)
    await conn.execute_script("SET enable_seqscan = off")
    try:
        _, rows = await conn.execute_query(f"EXPLAIN {sql}", params)
    finally:
        await conn.execute_script("SET enable_seqscan = on")
    return "\n".join(str(row["QUERY PLAN"]) for row in rows)


async def index_named(table: str, columns: str) -> str:
    """The name of the index on `table` over exactly `columns` ("a, b, c")."""
    conn = get_connection("default")
    if conn.capabilities.dialect == "sqlite":
        _, indexes = await conn.execute_query(f"PRAGMA index_list('{table}')")
        for index in indexes:
            _, cols = await conn.execute_query(f"PRAGMA index_info('{index['name']}')")
            if ", ".join(c["name"] for c in cols) == columns:
                return str(index["name"])
    else:
        _, rows = await conn.execute_query(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = $1", [table]
        )
        for row in rows:
            if f"({columns})" in row["indexdef"]:
                return str(row["indexname"])
    raise AssertionError(f"no index on {table} ({columns})")


@pytest.fixture
async def table(world: World) -> None:
    """Rows over several owners and months of events, analysed, for honest plans. (Plain
    history rows: the plan is what is tested here, not the engagement recorders.)"""
    now = clock.now()
    owners = [world.alice.user, world.bob.user, world.lead_a.user]
    await Email.bulk_create(
        [
            Email(
                team_id=o.team_id,
                owner_id=o.id,
                status=EmailStatus.DELIVERED,
                status_at=now - timedelta(hours=n),
                message_id=f"<{n}-{o.id}@test>",
                created_at=now,
                updated_at=now,
            )
            for n in range(200)
            for o in owners
        ],
        batch_size=500,
    )
    ids = await Email.all().values_list("id", "team_id", "owner_id")
    kinds = [EmailEventKind.VIEWED, EmailEventKind.CLICKED, EmailEventKind.DELIVERED]
    await EmailEvent.bulk_create(
        [
            EmailEvent(
                team_id=team,
                owner_id=owner,
                email_id=pk,
                kind=kinds[(pk + k) % 3],
                occurred_at=now - timedelta(days=(pk * 7 + k) % 200),
            )
            for pk, team, owner in ids
            for k in range(6)
        ],
        batch_size=1000,
    )
    await get_connection("default").execute_script("ANALYZE")


@pytest.mark.usefixtures("table")
async def test_within_days_uses_the_event_kind_time_index(api: Api) -> None:
    spec = EmailFilter(clicked=Engagement(within_days=7), viewed=Engagement(at_least=2))
    text = await plan(await folders.email_query(api.user, filter=spec))
    index = await index_named("email_event", "team_id, kind, occurred_at, email_id")
    assert index in text, text


@pytest.mark.usefixtures("table")
async def test_counts_are_planned_for_their_own_parameters(api: Api) -> None:
    """A saved search's COUNT never runs the prepared statement's generic plan (costed for an
    average owner) on PostgreSQL: every execution is a custom plan, even on a session that
    prefers generic plans. Same answer everywhere."""
    spec = EmailFilter(clicked=Engagement(within_days=30), replied=Engagement(happened=False))
    query = await folders.email_query(api.user, filter=spec)
    expected = len(await query)
    if get_connection("default").capabilities.dialect == "sqlite":
        assert await folders.count_emails(api.user, filter=spec) == expected
        return
    async with in_transaction() as conn:  # one connection: its session's statements
        # What PostgreSQL may choose by itself from the sixth run on, made certain.
        await conn.execute_script("SET LOCAL plan_cache_mode = force_generic_plan")
        for _ in range(8):
            assert await folders.count_emails(api.user, filter=spec) == expected
        _, rows = await conn.execute_query(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE 'SELECT COUNT(*) FROM \"email\"%'"
        )
    assert rows, "the count ran as a prepared statement on this connection"
    assert sum(row["generic_plans"] for row in rows) == 0
    assert sum(row["custom_plans"] for row in rows) >= 8
