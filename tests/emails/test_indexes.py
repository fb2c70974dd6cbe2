"""The folder listings are served by indexes on both databases (read from the query plans)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from tortoise.connection import get_connection

from models.base import clock
from models.base.pagination import DEFAULT_PAGE
from models.emails import folders
from models.emails.tables import Email, EmailFolder, EmailStatus
from tests.api import Api, World


@pytest.fixture(autouse=True)
async def realistic_table(world: World) -> None:
    """Enough rows over several owners and statuses, with statistics, for honest plans."""
    owners = [world.alice.user, world.bob.user, world.lead_a.user, world.admin_a.user]
    now = clock.now()
    rows = [
        Email(
            team_id=owner.team_id,
            owner_id=owner.id,
            to_addresses=["p@example.com"],
            status=status,
            status_at=now - timedelta(minutes=n),
            message_id=f"<{n}-{owner.id}-{status.value}@test>",
            created_at=now,
            updated_at=now,
        )
        for n in range(40)
        for owner in owners
        for status in EmailStatus
    ]
    await Email.bulk_create(rows, batch_size=500)
    await get_connection("default").execute_script("ANALYZE")


async def plan(query: Any) -> str:
    sql = query.order_by("-status_at", "-id").limit(DEFAULT_PAGE + 1).sql(params_inline=True)
    conn = get_connection("default")
    if conn.capabilities.dialect == "sqlite":
        _, rows = await conn.execute_query(f"EXPLAIN QUERY PLAN {sql}")
        return "\n".join(str(row["detail"]) for row in rows)
    # Tiny test tables make a sequential scan cheapest; ask whether an index *can* serve it.
    await conn.execute_script("SET enable_seqscan = off")
    try:
        _, rows = await conn.execute_query(f"EXPLAIN {sql}")
    finally:
        await conn.execute_script("SET enable_seqscan = on")
    return "\n".join(str(row["QUERY PLAN"]) for row in rows)


async def test_member_status_listing_uses_the_owner_status_index(api: Api) -> None:
    query = await folders.email_query(api.user, status=EmailStatus.DELIVERED)
    text = await plan(query)
    assert "owner_id" in text and "Filter: ((owner_id" not in text, text
    assert "TEMP B-TREE" not in text.upper(), text  # no sort step: rows come in index order


async def test_admin_folder_listing_uses_a_team_index(world: World) -> None:
    query = await folders.email_query(world.lead_a.user, folder=EmailFolder.SENT)
    text = await plan(query)
    assert "idx_email_team_id" in text, text


async def test_member_folder_listing_uses_an_owner_index(api: Api) -> None:
    query = await folders.email_query(api.user, folder=EmailFolder.PENDING)
    text = await plan(query)
    assert "owner_id" in text and "Filter: ((owner_id" not in text, text
