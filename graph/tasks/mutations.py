"""Changing tasks. Each mutation takes one `input` and returns the task plus `userErrors`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated

import strawberry

from graph.context import Info
from graph.errors import UserError, user_errors
from graph.relay import optional_id, require_id, to_global_id
from graph.tasks.types import Task
from models.base.errors import DomainError, ValidationErrors
from models.tasks import commands as tasks
from models.tasks.rules import TaskFields
from models.tasks.tables import Task as TaskRow
from models.tasks.tables import TaskPriority, TaskType


@strawberry.type(description="The task after the mutation, or the reasons it was refused.")
class TaskPayload:
    task: Task | None = strawberry.field(
        description="The task after the change; null when refused (see userErrors)."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the request was refused; empty on success."
    )


@strawberry.type(description="The ID of the deleted task, or why it was not deleted.")
class DeleteTaskPayload:
    deleted_task_id: strawberry.ID | None = strawberry.field(
        description="Global ID of the deleted task; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the request was refused; empty on success."
    )


@strawberry.input(description="A new task on a to-do list.")
class CreateTaskInput:
    type: TaskType = strawberry.field(description="What kind of work it is.")
    title: str = strawberry.field(description="Short summary (at most 200 characters).")
    due_at: datetime = strawberry.field(description="With a time zone.")
    details: str | None = strawberry.field(default=None, description="Talk track or notes.")
    priority: TaskPriority | None = strawberry.field(default=None, description="Default NORMAL.")
    assignee_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Default: the caller. Members may pick a teammate only with a `personId`.",
    )
    person_id: strawberry.ID | None = strawberry.field(
        default=None, description="The prospect it is about."
    )
    email_id: strawberry.ID | None = strawberry.field(
        default=None, description="The email this task follows up on."
    )
    campaign_id: strawberry.ID | None = strawberry.field(
        default=None, description="The campaign it belongs to."
    )
    campaign_step: int | None = strawberry.field(
        default=None, description="The campaign step (1-based) it belongs to."
    )


@strawberry.input(description="Only the fields given change; pass null person/email/campaign.")
class UpdateTaskInput:
    id: strawberry.ID = strawberry.field(description="Global ID of the task.")
    type: TaskType | None = strawberry.field(default=None, description="New kind; null leaves it.")
    title: str | None = strawberry.field(default=None, description="New title; null leaves it.")
    due_at: datetime | None = strawberry.field(
        default=None, description="A new due date also ends a snooze."
    )
    details: str | None = strawberry.field(
        default=None, description="New details; null leaves them."
    )
    priority: TaskPriority | None = strawberry.field(
        default=None, description="New priority; null leaves it."
    )
    person_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The prospect; null removes the link; omitted leaves it.",
    )
    email_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The email followed up; null removes the link; omitted leaves it.",
    )
    campaign_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="The campaign; null removes the link; omitted leaves it.",
    )
    campaign_step: int | None = strawberry.field(
        default=None, description="New campaign step; null leaves it."
    )


@strawberry.input(description="The task to complete.")
class CompleteTaskInput:
    id: strawberry.ID = strawberry.field(description="Global ID of the open task.")
    outcome: str | None = strawberry.field(
        default=None, description="What happened (call outcome, notes)."
    )


@strawberry.input(description="The task to skip.")
class SkipTaskInput:
    id: strawberry.ID = strawberry.field(description="Global ID of the open task.")


@strawberry.input(description="The task to reopen.")
class ReopenTaskInput:
    id: strawberry.ID = strawberry.field(description="Global ID of the completed or skipped task.")


@strawberry.input(description="The task to snooze, and until when.")
class SnoozeTaskInput:
    id: strawberry.ID = strawberry.field(description="Global ID of the open task.")
    until: datetime = strawberry.field(
        description="In the future. A due date before it moves to it (the task comes back due)."
    )


@strawberry.input(description="The task and its new assignee.")
class ReassignTaskInput:
    id: strawberry.ID = strawberry.field(description="Global ID of the task.")
    assignee_id: strawberry.ID = strawberry.field(
        description="Global ID of the teammate whose list it moves to."
    )


@strawberry.input(description="The task to delete.")
class DeleteTaskInput:
    id: strawberry.ID = strawberry.field(description="Global ID of the task.")


@strawberry.input(description="A follow-up task on an email: its person and campaign linked.")
class CreateFollowUpTaskInput:
    email_id: strawberry.ID = strawberry.field(
        description="Global ID of the email to follow up on (its person is linked too)."
    )
    type: TaskType = strawberry.field(description="What kind of work it is.")
    due_at: datetime = strawberry.field(description="When it is due, with a time zone.")
    title: str | None = strawberry.field(default=None, description="Default: 'Follow up: …'.")
    details: str | None = strawberry.field(default=None, description="Talk track or notes.")
    priority: TaskPriority | None = strawberry.field(default=None, description="Default NORMAL.")


async def _payload(call: Callable[[], Awaitable[TaskRow]]) -> TaskPayload:
    try:
        return TaskPayload(task=Task.of(await call()), user_errors=[])
    except (DomainError, ValidationErrors) as error:
        return TaskPayload(task=None, user_errors=user_errors(error))


def _links(data: CreateTaskInput | UpdateTaskInput, fields: TaskFields) -> TaskFields:
    for name, type_name in (("person", "Person"), ("email", "Email"), ("campaign", "Campaign")):
        value = getattr(data, f"{name}_id")
        if value is None and isinstance(data, UpdateTaskInput):
            fields.clear.add(name)
        elif value is not None and value is not strawberry.UNSET:
            setattr(fields, f"{name}_id", require_id(value, type_name, f"{name}Id"))
    return fields


def _fields(data: CreateTaskInput | UpdateTaskInput) -> TaskFields:
    return _links(
        data,
        TaskFields(
            type=data.type,
            title=data.title,
            details=data.details,
            priority=data.priority,
            due_at=data.due_at,
            campaign_step=data.campaign_step,
        ),
    )


def _task_id(global_id: str) -> int:
    return require_id(global_id, "Task")


@strawberry.type
class TaskMutations:
    @strawberry.mutation(description="Put a task on the caller's (or a teammate's) list.")
    async def create_task(
        self,
        info: Info,
        input: Annotated[CreateTaskInput, strawberry.argument(description="The new task.")],
    ) -> TaskPayload:
        viewer = info.context.user

        async def run() -> TaskRow:
            fields = _fields(input)
            fields.assignee_id = optional_id(input.assignee_id, "User", "assigneeId")
            return await tasks.create_task(viewer, fields)

        return await _payload(run)

    @strawberry.mutation(description="Edit a task.")
    async def update_task(
        self,
        info: Info,
        input: Annotated[
            UpdateTaskInput,
            strawberry.argument(
                description="Which task, and the fields to change (omitted fields stay)."
            ),
        ],
    ) -> TaskPayload:
        viewer = info.context.user
        return await _payload(lambda: tasks.update_task(viewer, _task_id(input.id), _fields(input)))

    @strawberry.mutation(description="Mark an OPEN task done, with an optional outcome note.")
    async def complete_task(
        self,
        info: Info,
        input: Annotated[
            CompleteTaskInput,
            strawberry.argument(description="Which task, and an optional outcome note."),
        ],
    ) -> TaskPayload:
        viewer = info.context.user
        return await _payload(
            lambda: tasks.complete_task(viewer, _task_id(input.id), input.outcome)
        )

    @strawberry.mutation(description="Skip an OPEN task (it leaves the open views).")
    async def skip_task(
        self,
        info: Info,
        input: Annotated[SkipTaskInput, strawberry.argument(description="Which task to skip.")],
    ) -> TaskPayload:
        viewer = info.context.user
        return await _payload(lambda: tasks.skip_task(viewer, _task_id(input.id)))

    @strawberry.mutation(description="Bring a COMPLETED or SKIPPED task back to OPEN.")
    async def reopen_task(
        self,
        info: Info,
        input: Annotated[
            ReopenTaskInput,
            strawberry.argument(description="Which completed or skipped task to open again."),
        ],
    ) -> TaskPayload:
        viewer = info.context.user
        return await _payload(lambda: tasks.reopen_task(viewer, _task_id(input.id)))

    @strawberry.mutation(description="Hide an OPEN task from the open views until a time.")
    async def snooze_task(
        self,
        info: Info,
        input: Annotated[
            SnoozeTaskInput, strawberry.argument(description="Which task, and until when.")
        ],
    ) -> TaskPayload:
        viewer = info.context.user
        return await _payload(lambda: tasks.snooze_task(viewer, _task_id(input.id), input.until))

    @strawberry.mutation(
        description="Move a task to a teammate's list. Members: their own tasks about a person; "
        "team admins: any task of the team."
    )
    async def reassign_task(
        self,
        info: Info,
        input: Annotated[
            ReassignTaskInput, strawberry.argument(description="Which task, and to whom.")
        ],
    ) -> TaskPayload:
        viewer = info.context.user
        return await _payload(
            lambda: tasks.reassign_task(
                viewer, _task_id(input.id), require_id(input.assignee_id, "User", "assigneeId")
            )
        )

    @strawberry.mutation(description="Delete a task for good.")
    async def delete_task(
        self,
        info: Info,
        input: Annotated[DeleteTaskInput, strawberry.argument(description="Which task to delete.")],
    ) -> DeleteTaskPayload:
        viewer = info.context.user
        try:
            deleted = await tasks.delete_task(viewer, _task_id(input.id))
        except DomainError as error:
            return DeleteTaskPayload(deleted_task_id=None, user_errors=user_errors(error))
        return DeleteTaskPayload(deleted_task_id=to_global_id("Task", deleted), user_errors=[])

    @strawberry.mutation(description="A follow-up on an email, on the caller's list.")
    async def create_follow_up_task(
        self,
        info: Info,
        input: Annotated[
            CreateFollowUpTaskInput,
            strawberry.argument(description="The email to follow up on, and the task."),
        ],
    ) -> TaskPayload:
        viewer = info.context.user
        fields = TaskFields(title=input.title, details=input.details, priority=input.priority)
        return await _payload(
            lambda: tasks.create_follow_up(
                viewer,
                require_id(input.email_id, "Email", "emailId"),
                input.type,
                input.due_at,
                fields,
            )
        )
