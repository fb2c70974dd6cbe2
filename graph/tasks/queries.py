"""Reading tasks: one view of a to-do list, one task, and the counts of every view."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from graph.context import Info
from graph.enums import describe_values
from graph.errors import or_query_error
from graph.relay import After, Before, Connection, First, Last, decode_id, optional_id
from graph.tasks.types import Task, TaskCounts
from models.base import clock
from models.base.pagination import Order, paginate
from models.tasks import views as task_views
from models.tasks.rules import list_owner, require_aware, visible_tasks
from models.tasks.tables import TaskPriority, TaskStatus, TaskType
from models.tasks.views import TaskView
from models.teams.tables import User


@strawberry.enum(description="What to sort tasks by.")
class TaskOrderField(Enum):
    DUE_AT = "due_at"
    CREATED_AT = "created_at"


describe_values(
    TaskOrderField,
    {
        TaskOrderField.DUE_AT: "The task's due date.",
        TaskOrderField.CREATED_AT: "When the task was created.",
    },
)


@strawberry.enum(name="TaskOrderDirection", description="Sort direction.")
class Direction(Enum):
    ASC = strawberry.enum_value("ASC", description="Earliest first.")
    DESC = strawberry.enum_value("DESC", description="Latest first.")


@strawberry.input(description="Sort order; ties are broken by id, so pages never overlap.")
class TaskOrder:
    field: TaskOrderField = strawberry.field(
        default=TaskOrderField.DUE_AT, description="What to sort by."
    )
    direction: Direction = strawberry.field(
        default=Direction.ASC, description="Ascending (earliest first) or descending."
    )

    def to_domain(self) -> Order:
        return Order(self.field.value, descending=self.direction == Direction.DESC)


# COMPLETED lists the most recently completed first; the open views the soonest due first.
DEFAULT_ORDER = Order("due_at", descending=False)
COMPLETED_ORDER = Order("completed_at", descending=True)


@strawberry.input(description="Narrow a task list; conditions combine with AND.")
class TaskFilter:
    type: TaskType | None = strawberry.field(
        default=None, description="Only this kind of task; null for all."
    )
    priority: TaskPriority | None = strawberry.field(
        default=None, description="Only this priority; null for both."
    )
    status: TaskStatus | None = strawberry.field(default=None, description="Useful with ALL.")
    person_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only tasks about this person; null for any."
    )
    email_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only follow-ups of this email; null for any."
    )
    assignee_id: strawberry.ID | None = strawberry.field(
        default=None, description="Team admins: a teammate's list (in their time zone)."
    )
    due_after: datetime | None = strawberry.field(
        default=None, description="Due at or after this instant (with a time zone)."
    )
    due_before: datetime | None = strawberry.field(
        default=None, description="Due strictly before this instant (with a time zone)."
    )


def _pk_or_nothing(global_id: str | None, type_name: str) -> int | None:
    # Unknown or foreign IDs match nothing, like a real ID with no tasks.
    if global_id is None:
        return None
    pk = decode_id(global_id, type_name)
    return pk if pk is not None else -1


async def _owner(viewer: User, assignee_id: str | None, field: str) -> User:
    return await list_owner(viewer, optional_id(assignee_id, "User", field), field)


@strawberry.type
class TaskQueries:
    @strawberry.field(
        description="The caller's to-do list (or, for team admins, a teammate's) in one view. "
        "Days are the assignee's calendar days; snoozed tasks are hidden from the open views."
    )
    async def tasks(
        self,
        info: Info,
        view: Annotated[
            TaskView, strawberry.argument(description="Which slice of the list (default ALL).")
        ] = TaskView.ALL,
        filter: Annotated[
            TaskFilter | None,
            strawberry.argument(description="More conditions (combined with AND); null for none."),
        ] = None,
        order_by: Annotated[
            TaskOrder | None,
            strawberry.argument(
                description="Sort order; default soonest due first (COMPLETED: latest completed "
                "first)."
            ),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Task]:
        viewer = info.context.user
        spec = filter or TaskFilter()

        async def run() -> Connection[Task]:
            owner = await _owner(viewer, spec.assignee_id, "filter.assigneeId")
            query = visible_tasks(viewer).filter(assignee_id=owner.id)
            window = task_views.window(clock.now(), owner.timezone)
            query = task_views.in_view(query, view, window)
            for column, value in (
                ("type", spec.type),
                ("priority", spec.priority),
                ("status", spec.status),
                ("person_id", _pk_or_nothing(spec.person_id, "Person")),
                ("email_id", _pk_or_nothing(spec.email_id, "Email")),
            ):
                if value is not None:
                    query = query.filter(**{column: value})
            if spec.due_after is not None:
                query = query.filter(due_at__gte=require_aware(spec.due_after, "filter.dueAfter"))
            if spec.due_before is not None:
                query = query.filter(due_at__lt=require_aware(spec.due_before, "filter.dueBefore"))
            if order_by is not None:
                order = order_by.to_domain()
            else:
                order = COMPLETED_ORDER if view is TaskView.COMPLETED else DEFAULT_ORDER
            page = await paginate(query, order, first=first, after=after, last=last, before=before)
            return Connection[Task].of(page, query, Task.of)

        return await or_query_error(run)

    @strawberry.field(description="One task the caller may see, or null.")
    async def task(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Global ID of the task.")],
    ) -> Task | None:
        pk = decode_id(id, "Task")
        row = await visible_tasks(info.context.user).get_or_none(id=pk) if pk else None
        return Task.of(row) if row else None

    @strawberry.field(
        description="How many tasks each view holds, for the caller (or, team admins, "
        "`assigneeId`). One aggregate query over the task index, whatever the list's size."
    )
    async def task_counts(
        self,
        info: Info,
        assignee_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Team admins: whose list (a user's global ID); null: the caller's."
            ),
        ] = None,
    ) -> TaskCounts:
        viewer = info.context.user

        async def run() -> TaskCounts:
            owner = await _owner(viewer, assignee_id, "assigneeId")
            return TaskCounts.of(await count_for(viewer, owner), owner.id)

        return await or_query_error(run)


async def count_for(viewer: User, owner: User) -> dict[TaskView, int]:
    query = visible_tasks(viewer).filter(assignee_id=owner.id)
    return await task_views.count_views(query, task_views.window(clock.now(), owner.timezone))
