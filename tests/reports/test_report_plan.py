"""The report's aggregate reads the covering index (team, send time, then every column it needs)
instead of the wide email rows, on both databases (read from the query plans)."""

from __future__ import annotations

from datetime import date

from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from models.base.zones import zone
from models.engagement import report as domain
from models.engagement.report import ReportDimension, ReportFilter, ReportInterval
from models.teams.tables import User
from tests.api import World
from tests.reports.helpers import add, email_row


async def _plan(viewer: User, spec: ReportFilter) -> str:
    conn = get_connection("default")
    window = domain.window_of(
        zone("America/New_York"), ReportInterval.DAY, date(2026, 3, 1), date(2026, 3, 31)
    )
    owner_id = None if viewer.sees_whole_team else viewer.id
    sql, params = domain.report_sql(
        conn.capabilities.dialect,
        viewer.team_id,
        owner_id,
        ReportDimension.CAMPAIGN,
        window,
        spec,
    )
    if conn.capabilities.dialect == "sqlite":
        _, rows = await conn.execute_query(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row["detail"]) for row in rows)
    # Tiny test tables make a sequential scan cheapest; ask whether an index *can* serve it
    # (SET LOCAL, in one transaction: the setting and the EXPLAIN share a connection).
    async with in_transaction() as tx:
        await tx.execute_script("SET LOCAL enable_seqscan = off")
        _, rows = await tx.execute_query(f"EXPLAIN {sql}", params)
    return "\n".join(str(row["QUERY PLAN"]) for row in rows)


async def test_the_aggregate_reads_only_the_covering_index(world: World) -> None:
    alice, bob = world.alice.user, world.bob.user
    await add(*(email_row(u, None) for u in (alice, bob) for _ in range(50)))
    await get_connection("default").execute_script("ANALYZE")
    for viewer, spec in (
        (world.admin_a.user, ReportFilter()),
        (alice, ReportFilter(include_machine=True)),
        (world.admin_a.user, ReportFilter(sender_ids=[bob.id], template_ids=[1, 2])),
    ):
        text = await _plan(viewer, spec)
        if get_connection("default").capabilities.dialect == "sqlite":
            assert "COVERING INDEX" in text and "sent_at>" in text, text
        else:
            assert "Index Only Scan" in text and "sent_at >=" in text, text
