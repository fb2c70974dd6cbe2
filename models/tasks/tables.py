"""Tasks: the rep's to-do list (calls, emails, InMails, anything else).

A task belongs to one team and one assignee (the rep whose list it is on) and remembers its
creator. It may point at a person, an email (a follow-up on that email) and a campaign step.

Deletion is a hard delete: a deleted task is exactly a task that does not exist (NOT_FOUND for
every later action, like another team's task), and the live `taskChanged` event carries DELETED
with the ids it needs (models/tasks/changes.py), so no tombstone column has to be filtered
everywhere and the count index stays exact.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from models.campaigns.tables import Campaign
from models.emails.tables import Email
from models.people.tables import Person
from models.teams.tables import Team, User


class TaskType(StrEnum):
    EMAIL = "EMAIL"
    CALL = "CALL"
    INMAIL = "INMAIL"
    CUSTOM = "CUSTOM"


class TaskPriority(StrEnum):
    NORMAL = "NORMAL"
    HIGH = "HIGH"


class TaskStatus(StrEnum):
    OPEN = "OPEN"
    COMPLETED = "COMPLETED"
    SKIPPED = "SKIPPED"


class Task(Model):
    id = fields.IntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="tasks", on_delete=fields.CASCADE
    )
    team_id: int
    assignee: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="assigned_tasks", on_delete=fields.RESTRICT
    )
    assignee_id: int
    creator: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="created_tasks", on_delete=fields.RESTRICT
    )
    creator_id: int
    person: fields.ForeignKeyNullableRelation[Person] = fields.ForeignKeyField(
        "models.Person", related_name="tasks", null=True, on_delete=fields.SET_NULL
    )
    person_id: int | None
    # A follow-up on this email (Email.tasks lists them for the email grid).
    email: fields.ForeignKeyNullableRelation[Email] = fields.ForeignKeyField(
        "models.Email", related_name="tasks", null=True, on_delete=fields.SET_NULL
    )
    email_id: int | None
    campaign: fields.ForeignKeyNullableRelation[Campaign] = fields.ForeignKeyField(
        "models.Campaign", related_name="tasks", null=True, on_delete=fields.SET_NULL
    )
    campaign_id: int | None
    campaign_step = fields.IntField(null=True)  # 1-based step of the campaign, with campaign

    type = fields.CharEnumField(TaskType, max_length=16)
    title = fields.CharField(max_length=200)
    details = fields.TextField(default="")  # talk track, notes
    priority = fields.CharEnumField(TaskPriority, max_length=16, default=TaskPriority.NORMAL)
    due_at = fields.DatetimeField()
    status = fields.CharEnumField(TaskStatus, max_length=16, default=TaskStatus.OPEN)
    completed_at = fields.DatetimeField(null=True)
    outcome = fields.TextField(default="")  # the note given on completion
    snoozed_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "task"
        indexes = (
            # Every list and count pins team and assignee; views are status + due-date ranges
            # (models/tasks/views.py). Listings walk it in (due_at, id) order; with snoozed_until
            # trailing it also covers taskCounts, which then never reads the table itself.
            Index(fields=("team_id", "assignee_id", "status", "due_at", "id", "snoozed_until")),
            # COMPLETED is listed by completion time.
            Index(fields=("team_id", "assignee_id", "completed_at", "id")),
            Index(fields=("email_id",)),
            Index(fields=("person_id",)),
        )
