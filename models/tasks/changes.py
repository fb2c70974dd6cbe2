"""What the live layer hears about a task: one committed change, as published on the event bus.

Tasks keep no event table: a task subscriber only needs "this task changed, here it is now" (the
list re-reads the task), and `taskCounts` is recomputed, not replayed. The message carries the
assignee before and after, so both the rep who lost a task and the one who got it hear about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

TYPE = "task"  # the "type" of task messages on the shared bus; email messages have none


class TaskChangeKind(StrEnum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    COMPLETED = "COMPLETED"
    SKIPPED = "SKIPPED"
    REOPENED = "REOPENED"
    SNOOZED = "SNOOZED"
    REASSIGNED = "REASSIGNED"
    DELETED = "DELETED"
    # Not published: a live stream's report of a task that changed while its bus was away
    # (graph/live/task_gaps.py), when only the task as it is now is known, not what happened.
    RESYNCED = "RESYNCED"


@dataclass(frozen=True, slots=True)
class TaskChange:
    task_id: int
    team_id: int
    assignee_id: int
    previous_assignee_id: int | None  # set when the task moved to another rep
    kind: TaskChangeKind
    occurred_at: datetime
    actor_id: int | None

    @property
    def assignees(self) -> set[int]:
        """Whose lists (and counts) the change touches."""
        ids = {self.assignee_id}
        if self.previous_assignee_id is not None:
            ids.add(self.previous_assignee_id)
        return ids

    def to_json(self) -> dict[str, Any]:
        return {
            "type": TYPE,
            "taskId": self.task_id,
            "teamId": self.team_id,
            "assigneeId": self.assignee_id,
            "previousAssigneeId": self.previous_assignee_id,
            "kind": self.kind.value,
            "occurredAt": self.occurred_at.isoformat(),
            "actorId": self.actor_id,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> TaskChange:
        previous = value.get("previousAssigneeId")
        return cls(
            task_id=int(value["taskId"]),
            team_id=int(value["teamId"]),
            assignee_id=int(value["assigneeId"]),
            previous_assignee_id=int(previous) if previous is not None else None,
            kind=TaskChangeKind(value["kind"]),
            occurred_at=datetime.fromisoformat(value["occurredAt"]),
            actor_id=value.get("actorId"),
        )
