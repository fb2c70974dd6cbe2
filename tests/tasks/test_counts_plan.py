"""taskCounts is one aggregate query answered from the task index alone (read from the plans)."""

from __future__ import annotations

from datetime import timedelta

from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from models.base import clock
from models.tasks import views as task_views
from models.tasks.rules import visible_tasks
from models.tasks.tables import Task, TaskStatus, TaskType
from tests.api import World


async def test_counts_read_only_the_assignees_index_entries(world: World) -> None:
    owners = [world.alice.user, world.bob.user, world.lead_a.user]
    now = clock.now()
    await Task.bulk_create(
        [
            Task(
                team_id=owner.team_id,
                assignee_id=owner.id,
                creator_id=owner.id,
                type=TaskType.CALL,
                title=f"t{n}",
                status=list(TaskStatus)[n % 3],
                due_at=now + timedelta(hours=n - 100),
                snoozed_until=now + timedelta(hours=1) if n % 7 == 0 else None,
                created_at=now,
                updated_at=now,
            )
            for n in range(200)
            for owner in owners
        ],
        batch_size=500,
    )
    conn = get_connection("default")
    # VACUUM sets PostgreSQL's visibility map, which index-only scans rely on (autovacuum does it
    # in production); SQLite only needs the statistics.
    await conn.execute_script(
        "ANALYZE" if conn.capabilities.dialect == "sqlite" else "VACUUM ANALYZE task"
    )
    alice = world.alice.user
    query = task_views.counts_query(
        visible_tasks(alice).filter(assignee_id=alice.id), task_views.window(now, "UTC")
    )
    sql = query.sql(params_inline=True)
    if conn.capabilities.dialect == "sqlite":
        _, rows = await conn.execute_query(f"EXPLAIN QUERY PLAN {sql}")
        text = "\n".join(str(row["detail"]) for row in rows)
        assert "COVERING INDEX idx_task_team_i" in text, text
        assert "team_id=? AND assignee_id=?" in text, text
    else:
        # Tiny test tables make a sequential scan cheapest; ask whether the index *can* serve it.
        async with in_transaction() as tx:  # one connection for the SET and the EXPLAIN
            await tx.execute_script("SET LOCAL enable_seqscan = off")
            await tx.execute_script("SET LOCAL enable_bitmapscan = off")
            _, rows = await tx.execute_query(f"EXPLAIN {sql}")
        text = "\n".join(str(row["QUERY PLAN"]) for row in rows)
        assert "Index Only Scan using idx_task_team_i" in text, text
    counts = await task_views.count_views(
        visible_tasks(alice).filter(assignee_id=alice.id), task_views.window(now, "UTC")
    )
    assert counts[task_views.TaskView.ALL] == 200
    assert sum(1 for n in range(200) if n % 3 == 1) == counts[task_views.TaskView.COMPLETED]
