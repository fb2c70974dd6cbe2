"""Who may see and change which task, and what a valid task is. Called by GraphQL and workers alike.

Visibility follows emails (models/teams/scope.py): a MEMBER sees the tasks on their own list
(assigned to
them); TEAM_ADMIN and ADMIN see every task of their team. Another team's task, and a deleted one,
are reported exactly like a task that never existed (NOT_FOUND).

Assigning: anyone may put a task on their own list. A member may put one on a teammate's list only
for a person they share — a prospect of the same team (people are shared within a team) — so the
hand-over is about a shared prospect, not arbitrary work. Admins may assign and reassign any task
of the team to any teammate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tortoise.queryset import QuerySet

from models.base import clock
from models.base.errors import DomainError, ErrorCode, ValidationErrors, not_found
from models.base.text import bad_character, invalid_character
from models.tasks.tables import Task, TaskPriority, TaskType
from models.teams import scope
from models.teams.tables import User

MAX_TITLE = 200
MAX_DETAILS = 10_000
MAX_OUTCOME = 2_000
MAX_CAMPAIGN_STEP = 100


def visible_tasks(viewer: User) -> QuerySet[Task]:
    query = Task.filter(team_id=viewer.team_id)
    if not viewer.sees_whole_team:
        query = query.filter(assignee_id=viewer.id)
    return query


def may_see_task(viewer: User, team_id: int, assignees: set[int]) -> bool:
    """`visible_tasks` for a change in hand (an event): the same rules, no query."""
    if team_id != viewer.team_id:
        return False
    return viewer.sees_whole_team or viewer.id in assignees


async def get_task(viewer: User, task_id: int, field: str = "id") -> Task:
    task = await visible_tasks(viewer).get_or_none(id=task_id)
    if task is None:
        raise not_found("Task", field)
    return task


async def list_owner(viewer: User, assignee_id: int | None, field: str) -> User:
    """Whose list the caller reads: their own, or (admins) a teammate's."""
    if assignee_id is None or assignee_id == viewer.id:
        return viewer
    teammate = await scope.get_teammate(viewer, assignee_id, field)
    if not viewer.sees_whole_team:
        raise DomainError(
            ErrorCode.FORBIDDEN, "Only team admins may see a teammate's tasks.", field
        )
    return teammate


async def check_assignable(
    viewer: User, assignee_id: int, person_id: int | None, field: str = "assigneeId"
) -> User:
    """The teammate a task may go to, or a typed refusal (unknown user, not allowed)."""
    assignee = await scope.get_teammate(viewer, assignee_id, field)
    if assignee.id == viewer.id or viewer.sees_whole_team:
        return assignee
    if person_id is None:
        raise DomainError(
            ErrorCode.FORBIDDEN,
            "Members may assign a task to a teammate only for a person of the team.",
            field,
        )
    return assignee


def require_aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise DomainError(
            ErrorCode.TIMEZONE_REQUIRED,
            "Give the time with a time zone, e.g. 2026-12-01T09:00:00+01:00.",
            field,
        )
    # In UTC: SQLite compares stored date-times as text, so a "+09:00" bound would miss rows.
    return value.astimezone(UTC)


def require_future(value: datetime, field: str) -> datetime:
    require_aware(value, field)
    if value <= clock.now():
        raise DomainError(ErrorCode.NOT_IN_FUTURE, "The time must be in the future.", field)
    return value


def check_text(value: str, limit: int, field: str, multiline: bool = True) -> str:
    if len(value) > limit:
        raise DomainError(ErrorCode.TOO_LONG, f"At most {limit} characters.", field)
    if (char := bad_character(value, multiline=multiline)) is not None:
        raise invalid_character(char, field)
    return value


@dataclass
class TaskFields:
    """Input of createTask / updateTask. On update, `None` leaves a field as it is and the names
    in `clear` are set to null (person, email, campaign)."""

    type: TaskType | None = None
    title: str | None = None
    details: str | None = None
    priority: TaskPriority | None = None
    due_at: datetime | None = None
    person_id: int | None = None
    email_id: int | None = None
    campaign_id: int | None = None
    campaign_step: int | None = None
    assignee_id: int | None = None  # createTask only; reassignTask moves existing tasks
    clear: set[str] = field(default_factory=set)


async def validated(viewer: User, fields: TaskFields, *, creating: bool) -> dict[str, Any]:
    """Column values for the fields given, every problem reported at once (ValidationErrors)."""
    values: dict[str, Any] = {}
    problems: list[DomainError] = []

    def check(call: Any, *args: Any) -> Any:
        try:
            return call(*args)
        except DomainError as error:
            problems.append(error)
            return None

    if fields.title is not None or creating:
        title = (fields.title or "").strip()
        if not title:
            problems.append(DomainError(ErrorCode.REQUIRED, "A task needs a title.", "title"))
        elif check(check_text, title, MAX_TITLE, "title", False) is not None:
            values["title"] = title
    details = fields.details
    if details is not None and check(check_text, details, MAX_DETAILS, "details") is not None:
        values["details"] = details
    for name in ("type", "priority"):
        if getattr(fields, name) is not None:
            values[name] = getattr(fields, name)
    if creating and fields.type is None:
        problems.append(DomainError(ErrorCode.REQUIRED, "A task needs a type.", "type"))
    if fields.due_at is not None:
        if check(require_aware, fields.due_at, "dueAt") is not None:
            values["due_at"] = fields.due_at
    elif creating:
        problems.append(DomainError(ErrorCode.REQUIRED, "A task needs a due date.", "dueAt"))
    if fields.campaign_step is not None:
        if not 1 <= fields.campaign_step <= MAX_CAMPAIGN_STEP:
            problems.append(
                DomainError(
                    ErrorCode.INVALID_INPUT,
                    f"A campaign step is between 1 and {MAX_CAMPAIGN_STEP}.",
                    "campaignStep",
                )
            )
        else:
            values["campaign_step"] = fields.campaign_step
    await _links(viewer, fields, values, problems)
    if problems:
        raise ValidationErrors(problems)
    return values


async def _links(
    viewer: User, fields: TaskFields, values: dict[str, Any], problems: list[DomainError]
) -> None:
    """Person, email and campaign must be the team's (the email: one the caller may see)."""
    try:
        if fields.person_id is not None:
            values["person_id"] = (await scope.get_person(viewer, fields.person_id)).id
        if fields.email_id is not None:
            email = await scope.visible_emails(viewer).get_or_none(id=fields.email_id)
            if email is None:
                raise not_found("Email", "emailId")
            values["email_id"] = email.id
        if fields.campaign_id is not None:
            values["campaign_id"] = (await scope.get_campaign(viewer, fields.campaign_id)).id
    except DomainError as error:
        problems.append(error)
    for name in fields.clear:
        values[f"{name}_id"] = None
        if name == "campaign":
            values["campaign_step"] = None
