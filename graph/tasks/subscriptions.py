"""Live updates of tasks: every visible change, and a to-do list's counts.

Resolvers stay thin: `graph.live.task_streams` decides what a subscriber sees.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated

import strawberry

from graph.context import Info
from graph.errors import query_error
from graph.live import task_streams
from graph.live.dispatcher import get_dispatcher
from graph.loaders import Loaders
from graph.relay import optional_id, to_global_id
from graph.tasks.types import Task, TaskCounts
from models.base.errors import DomainError
from models.tasks.changes import TaskChange, TaskChangeKind
from models.tasks.rules import list_owner
from models.tasks.tables import Task as TaskRow
from models.teams.tables import User


@strawberry.type(name="TaskChange", description="One committed change of a task.")
class TaskChangeEvent:
    kind: TaskChangeKind = strawberry.field(description="What happened.")
    task_id: strawberry.ID = strawberry.field(
        description="Global ID of the task (also after it was deleted)."
    )
    assignee_id: strawberry.ID = strawberry.field(description="Whose list it is on now.")
    previous_assignee_id: strawberry.ID | None = strawberry.field(
        description="On REASSIGNED: whose list it left."
    )
    occurred_at: datetime = strawberry.field(
        description="When it happened, UTC (RESYNCED: when the task was last written; a "
        "DELETED or REASSIGNED found after the live feed was interrupted: when it was noticed)."
    )
    task: Task | None = strawberry.field(
        description="The task as it is now; null once deleted or no longer visible to you."
    )

    @classmethod
    def of(cls, change: TaskChange, row: TaskRow | None) -> TaskChangeEvent:
        previous = change.previous_assignee_id
        return cls(
            kind=change.kind,
            task_id=to_global_id("Task", change.task_id),
            assignee_id=to_global_id("User", change.assignee_id),
            previous_assignee_id=to_global_id("User", previous) if previous else None,
            occurred_at=change.occurred_at,
            task=Task.of(row) if row is not None else None,
        )


async def _owner(viewer: User, assignee_id: str | None, field: str) -> User:
    try:
        return await list_owner(viewer, optional_id(assignee_id, "User", field), field)
    except DomainError as error:
        raise query_error(error) from None


@strawberry.type
class TaskSubscriptions:
    @strawberry.subscription(
        description="Every change of the tasks the caller may see (members: their own list; "
        "team admins: the team's, or one teammate's with `assigneeId`)."
    )
    async def task_changed(
        self,
        info: Info,
        assignee_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Team admins: only this teammate's list; null: every visible task."
            ),
        ] = None,
    ) -> AsyncGenerator[TaskChangeEvent, None]:
        viewer = info.context.user
        owner = await _owner(viewer, assignee_id, "assigneeId") if assignee_id else None
        async for change, row in task_streams.task_changes(get_dispatcher(), viewer, owner):
            info.context.loaders = Loaders()  # fresh per change: never serve stale rows
            yield TaskChangeEvent.of(change, row)

    @strawberry.subscription(
        description="The caller's task counts now (team admins: `assigneeId`'s), then whenever "
        "they change: after task changes (coalesced) and when a day or a snooze ends."
    )
    async def task_counts_changed(
        self,
        info: Info,
        assignee_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Team admins: whose list; null: the caller's."),
        ] = None,
    ) -> AsyncGenerator[TaskCounts, None]:
        viewer = info.context.user
        owner = await _owner(viewer, assignee_id, "assigneeId")
        async for counts in task_streams.task_count_updates(get_dispatcher(), viewer, owner):
            yield TaskCounts.of(counts, owner.id)
