"""GraphQL types for tasks and their counts."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from graph.campaigns.types import Campaign
from graph.context import Info
from graph.enums import describe_values
from graph.people.types import Person
from graph.relay import Node, to_global_id
from graph.users.types import User, load_user
from models.base import clock
from models.tasks.changes import TaskChangeKind
from models.tasks.tables import Task as TaskRow
from models.tasks.tables import TaskPriority, TaskStatus, TaskType
from models.tasks.views import TaskView
from models.teams import scope

if TYPE_CHECKING:
    from graph.emails.types import Email

strawberry.enum(TaskType, name="TaskType", description="What kind of work the task is.")
strawberry.enum(TaskPriority, name="TaskPriority", description="How urgent the task is.")
strawberry.enum(
    TaskStatus, name="TaskStatus", description="OPEN until completed or skipped (reopenable)."
)
strawberry.enum(
    TaskView,
    name="TaskView",
    description="Slices of a to-do list, in the assignee's time zone (see taskCounts).",
)
strawberry.enum(TaskChangeKind, name="TaskChangeKind", description="What happened to a task.")
describe_values(
    TaskType,
    {
        TaskType.EMAIL: "Write an email.",
        TaskType.CALL: "Phone the person.",
        TaskType.INMAIL: "Send a LinkedIn InMail.",
        TaskType.CUSTOM: "Anything else (the title says what).",
    },
)
describe_values(
    TaskPriority,
    {TaskPriority.NORMAL: "The default.", TaskPriority.HIGH: "Do it first."},
)
describe_values(
    TaskStatus,
    {
        TaskStatus.OPEN: "To do (possibly snoozed).",
        TaskStatus.COMPLETED: "Done (`completedAt`, `outcome`).",
        TaskStatus.SKIPPED: "Decided not to do it.",
    },
)
describe_values(
    TaskView,
    {
        TaskView.TODAY: "Open, due today (the assignee's calendar day), not snoozed.",
        TaskView.TOMORROW: "Open, due tomorrow, not snoozed.",
        TaskView.OVERDUE: "Open, due before today, not snoozed.",
        TaskView.UPCOMING: "Open, due in the 7 days after today, not snoozed.",
        TaskView.COMPLETED: "Completed, most recently completed first.",
        TaskView.ALL: "Every task, whatever its status or snooze.",
    },
)
C = TaskChangeKind
describe_values(
    TaskChangeKind,
    {
        C.CREATED: "A task was created.",
        C.UPDATED: "Its title, details, type, priority, due date or links changed.",
        C.COMPLETED: "It was completed.",
        C.SKIPPED: "It was skipped.",
        C.REOPENED: "A completed or skipped task was opened again.",
        C.SNOOZED: "It was snoozed (or its snooze was cleared).",
        C.REASSIGNED: "It moved to another assignee's list.",
        C.DELETED: "It was deleted.",
        C.RESYNCED: "It changed while the server's live feed was interrupted (its event bus "
        "reconnected; the tasks were re-read then): `task` is the task as it is now, what "
        "exactly happened is not known.",
    },
)


@strawberry.type(description="An item of a rep's to-do list.")
class Task(Node):
    row: strawberry.Private[TaskRow]
    type: TaskType = strawberry.field(description="What kind of work it is.")
    title: str = strawberry.field(
        description="Short summary shown in the list (at most 200 characters)."
    )
    details: str = strawberry.field(description="Talk track, notes.")
    priority: TaskPriority = strawberry.field(description="NORMAL or HIGH.")
    due_at: datetime = strawberry.field(
        description="When it is due, UTC; the views bucket it by the assignee's calendar day."
    )
    status: TaskStatus = strawberry.field(description="OPEN, COMPLETED or SKIPPED.")
    completed_at: datetime | None = strawberry.field(
        description="When it was completed or skipped, UTC; null while open."
    )
    outcome: str = strawberry.field(description="The note given when it was completed.")
    snoozed_until: datetime | None = strawberry.field(
        description="Hidden from the open views until then."
    )
    campaign_step: int | None = strawberry.field(
        description="The campaign step (1-based) that created it; null when not made by a campaign."
    )
    created_at: datetime = strawberry.field(description="When it was created, UTC.")
    updated_at: datetime = strawberry.field(description="When it last changed, UTC.")

    @classmethod
    def of(cls, row: TaskRow) -> Task:
        return cls(
            id=to_global_id("Task", row.id),
            row=row,
            type=row.type,
            title=row.title,
            details=row.details,
            priority=row.priority,
            due_at=row.due_at,
            status=row.status,
            completed_at=row.completed_at,
            outcome=row.outcome,
            snoozed_until=row.snoozed_until,
            campaign_step=row.campaign_step,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field(description="True while snoozed (snoozedUntil is in the future).")
    def snoozed(self) -> bool:
        until = self.row.snoozed_until
        return until is not None and until > clock.now()

    @strawberry.field(description="Whose list it is on.")
    async def assignee(self, info: Info) -> User | None:
        return await load_user(info, self.row.assignee_id)

    @strawberry.field(
        description="Who created it; null if that user is gone (or the campaign engine created it)."
    )
    async def creator(self, info: Info) -> User | None:
        return await load_user(info, self.row.creator_id)

    @strawberry.field(description="The prospect it is about; null when none.")
    async def person(self, info: Info) -> Person | None:
        if self.row.person_id is None:
            return None
        row = await info.context.loaders.person.load(self.row.person_id)
        return Person.of(row) if row is not None else None

    @strawberry.field(description="The email this task follows up on, if the caller may see it.")
    async def email(
        self, info: Info
    ) -> Annotated[Email, strawberry.lazy("graph.emails.types")] | None:
        from graph.emails.types import Email

        if self.row.email_id is None:
            return None
        row = await scope.visible_emails(info.context.user).get_or_none(id=self.row.email_id)
        return Email.of(row) if row is not None else None

    @strawberry.field(
        description="The campaign it belongs to; null when none or not visible to the caller."
    )
    async def campaign(self, info: Info) -> Campaign | None:
        if self.row.campaign_id is None:
            return None
        row = await info.context.loaders.campaign.load(self.row.campaign_id)
        return Campaign.of(row) if row is not None else None


@strawberry.type(description="How many tasks each view of one to-do list holds right now.")
class TaskCounts:
    id: strawberry.ID = strawberry.field(
        description="Stable per to-do list (its assignee), identical in `taskCounts` and "
        "`taskCountsChanged`, so a normalised client cache updates the counts it holds."
    )
    counts: strawberry.Private[dict[TaskView, int]]

    @classmethod
    def of(cls, counts: dict[TaskView, int], owner_id: int) -> TaskCounts:
        return cls(id=to_global_id("TaskCounts", owner_id), counts=counts)

    @strawberry.field(description="Open, due today.")
    def today(self) -> int:
        return self.counts[TaskView.TODAY]

    @strawberry.field(description="Open, due tomorrow.")
    def tomorrow(self) -> int:
        return self.counts[TaskView.TOMORROW]

    @strawberry.field(description="Open, due on an earlier day.")
    def overdue(self) -> int:
        return self.counts[TaskView.OVERDUE]

    @strawberry.field(description="Open, due in the 7 days after today.")
    def upcoming(self) -> int:
        return self.counts[TaskView.UPCOMING]

    @strawberry.field(description="Completed tasks (all time).")
    def completed(self) -> int:
        return self.counts[TaskView.COMPLETED]

    @strawberry.field(description="Every task, whatever its status or snooze.")
    def all(self) -> int:
        return self.counts[TaskView.ALL]
