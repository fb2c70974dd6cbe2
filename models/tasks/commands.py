"""Commands on tasks: create, edit, complete, skip, reopen, snooze, reassign, delete, follow up.

Each refusal is a typed DomainError raised before anything is written. Status moves are one
conditional UPDATE (id + expected status), so two clicks on "complete" complete once; the change is
published on the event bus after the write has committed (models/base/hooks.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from models.base import clock, hooks
from models.base.errors import DomainError, ErrorCode, not_found
from models.campaigns import manual as campaign_manual
from models.tasks.changes import TaskChange, TaskChangeKind
from models.tasks.rules import (
    MAX_OUTCOME,
    MAX_TITLE,
    TaskFields,
    check_assignable,
    check_text,
    get_task,
    require_aware,
    require_future,
    validated,
)
from models.tasks.tables import Task, TaskStatus, TaskType
from models.teams import scope
from models.teams.tables import User


async def _published(
    task: Task, kind: TaskChangeKind, actor: User, previous_assignee: int | None = None
) -> None:
    change = TaskChange(
        task_id=task.id,
        team_id=task.team_id,
        assignee_id=task.assignee_id,
        previous_assignee_id=previous_assignee,
        kind=kind,
        occurred_at=clock.now(),
        actor_id=actor.id,
    )
    await hooks.tasks_committed([change])


async def create_task(viewer: User, fields: TaskFields) -> Task:
    values = await validated(viewer, fields, creating=True)
    assignee_id = fields.assignee_id if fields.assignee_id is not None else viewer.id
    assignee = await check_assignable(viewer, assignee_id, values.get("person_id"))
    at = clock.now()
    task = await Task.create(
        team_id=viewer.team_id,
        assignee_id=assignee.id,
        creator_id=viewer.id,
        status=TaskStatus.OPEN,
        created_at=at,
        updated_at=at,
        **values,
    )
    await _published(task, TaskChangeKind.CREATED, viewer)
    return task


async def create_follow_up(
    viewer: User, email_id: int, task_type: TaskType, due_at: datetime, fields: TaskFields
) -> Task:
    """A task on the caller's list about an email they may see: person and email linked."""
    email = await scope.visible_emails(viewer).get_or_none(id=email_id)
    if email is None:
        raise not_found("Email", "emailId")
    require_aware(due_at, "dueAt")
    fields.type, fields.due_at, fields.email_id = task_type, due_at, email.id
    fields.person_id = email.person_id
    if fields.campaign_id is None:
        fields.campaign_id = email.campaign_id
    if not (fields.title or "").strip():
        fields.title = f"Follow up: {email.subject or '(no subject)'}"[:MAX_TITLE]
    return await create_task(viewer, fields)


async def update_task(viewer: User, task_id: int, fields: TaskFields) -> Task:
    task = await get_task(viewer, task_id)
    values = await validated(viewer, fields, creating=False)
    if "due_at" in values:
        values["snoozed_until"] = None  # a new due date supersedes a snooze
    if not values:
        return task  # nothing to change, nothing to publish
    await _write(task, values, {task.status})
    task = await _reload(task)
    await _published(task, TaskChangeKind.UPDATED, viewer)
    return task


async def complete_task(viewer: User, task_id: int, outcome: str | None = None) -> Task:
    task = await get_task(viewer, task_id)
    values: dict[str, Any] = {
        "status": TaskStatus.COMPLETED,
        "completed_at": clock.now(),
        "snoozed_until": None,
    }
    if outcome is not None:
        values["outcome"] = check_text(outcome.strip(), MAX_OUTCOME, "outcome")
    task = await _move(viewer, task, values, {TaskStatus.OPEN}, TaskChangeKind.COMPLETED)
    # A campaign's manual email step: completing its task sends the prepared email.
    await campaign_manual.task_completed(task)
    return task


async def skip_task(viewer: User, task_id: int) -> Task:
    task = await get_task(viewer, task_id)
    values = {"status": TaskStatus.SKIPPED, "snoozed_until": None}
    return await _move(viewer, task, values, {TaskStatus.OPEN}, TaskChangeKind.SKIPPED)


async def reopen_task(viewer: User, task_id: int) -> Task:
    task = await get_task(viewer, task_id)
    values = {"status": TaskStatus.OPEN, "completed_at": None}
    closed = {TaskStatus.COMPLETED, TaskStatus.SKIPPED}
    return await _move(viewer, task, values, closed, TaskChangeKind.REOPENED)


async def snooze_task(viewer: User, task_id: int, until: datetime) -> Task:
    """Hide an open task until `until`; a due date before `until` moves to `until` (see
    models/tasks/views.py: the task comes back as due then, not as overdue)."""
    task = await get_task(viewer, task_id)
    require_future(until, "until")
    values = {"snoozed_until": until, "due_at": max(task.due_at, until)}
    return await _move(viewer, task, values, {TaskStatus.OPEN}, TaskChangeKind.SNOOZED)


async def reassign_task(viewer: User, task_id: int, assignee_id: int) -> Task:
    task = await get_task(viewer, task_id)
    assignee = await check_assignable(viewer, assignee_id, task.person_id)
    if assignee.id == task.assignee_id:
        return task  # nothing moves, nothing is published
    previous = task.assignee_id
    updated = await Task.filter(id=task.id, assignee_id=previous).update(
        assignee_id=assignee.id, updated_at=clock.now()
    )
    if not updated:
        raise await _lost_race(task)
    task = await _reload(task)
    await _published(task, TaskChangeKind.REASSIGNED, viewer, previous_assignee=previous)
    return task


async def delete_task(viewer: User, task_id: int) -> int:
    task = await get_task(viewer, task_id)
    if not await Task.filter(id=task.id).delete():
        raise not_found("Task")
    await _published(task, TaskChangeKind.DELETED, viewer)
    return task.id


async def _move(
    viewer: User,
    task: Task,
    values: dict[str, Any],
    allowed: set[TaskStatus],
    kind: TaskChangeKind,
) -> Task:
    if task.status not in allowed:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"A {task.status.value} task cannot be {kind.value.lower()}.",
            "id",
        )
    await _write(task, values, allowed)
    task = await _reload(task)
    await _published(task, kind, viewer)
    return task


async def _write(task: Task, values: dict[str, Any], allowed: Iterable[TaskStatus]) -> None:
    updated = await Task.filter(id=task.id, status__in=list(allowed)).update(
        **values, updated_at=clock.now()
    )
    if not updated:
        raise await _lost_race(task)


async def _lost_race(task: Task) -> DomainError:
    """Someone else deleted or moved the task between our read and our write."""
    if not await Task.exists(id=task.id):
        return not_found("Task")
    return DomainError(
        ErrorCode.INVALID_TRANSITION, "The task was changed meanwhile; reload it.", "id"
    )


async def _reload(task: Task) -> Task:
    fresh = await Task.get_or_none(id=task.id)
    if fresh is None:
        raise not_found("Task")
    return fresh
