"""What a `taskChanged` stream reports after its bus lost changes (Redis went away and came back).

Tasks keep no event table, but every write stamps `task.updated_at`, so after a gap the stream
re-reads the tasks it may see (on the assignee's list, when it has one) written since it last knew
it heard everything, less GAP_SLACK (a write is stamped before its commit and publish, and
processes' clocks differ a little), and reports each as RESYNCED with the task as it is now —
unless it already reported exactly that version. What happened to the task (completed, snoozed…)
is not known, only its state.

Deletions leave no row. The stream remembers the tasks it has reported (the newest SEEN_LIMIT):
one of those gone from its view during the gap is reported as DELETED, or as REASSIGNED when it
still exists on another list. A task the stream never reported (known to the client from a
`tasks` query only) that was deleted or moved off the list during the gap cannot be told apart
from one that never existed: it is not reported. `taskCountsChanged` recounts after every gap,
so such a list's counts still move.

At the seam, a change heard late for a task whose version (`updated_at`, or its absence) the
re-read already reported is dropped; the next write is reported again.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tortoise.queryset import QuerySet

from events import TaskChange
from models.base import clock
from models.tasks.changes import TaskChangeKind
from models.tasks.rules import visible_tasks
from models.tasks.tables import Task
from models.teams.tables import User

GAP_SLACK = timedelta(seconds=5)
SEEN_LIMIT = 4096

Version = datetime | None  # a task's updated_at as reported; None: gone from the stream's view


@dataclass
class TaskLedger:
    """What one stream has told its subscriber, to find what a gap changed."""

    viewer: User
    assignee: User | None
    since: datetime = field(default_factory=clock.now)  # changes after this were all heard
    seen: OrderedDict[int, tuple[datetime, int]] = field(default_factory=OrderedDict)
    seam: dict[int, Version] = field(default_factory=dict)  # what the last re-read reported

    def scope(self) -> QuerySet[Task]:
        query = visible_tasks(self.viewer)
        return query.filter(assignee_id=self.assignee.id) if self.assignee else query

    def told(self, task_id: int, row: Task | None) -> None:
        """The subscriber now knows the task as `row` (None: it is gone from their view)."""
        self.seen.pop(task_id, None)
        if row is not None and (self.assignee is None or row.assignee_id == self.assignee.id):
            self.seen[task_id] = (row.updated_at, row.assignee_id)
            while len(self.seen) > SEEN_LIMIT:
                self.seen.popitem(last=False)

    def repeats(self, change: TaskChange, row: Task | None) -> bool:
        """Whether a live change only repeats what the last re-read reported."""
        if change.task_id not in self.seam:
            return False
        if self.seam[change.task_id] == (row.updated_at if row is not None else None):
            return True
        del self.seam[change.task_id]  # written again since: report it from now on
        return False

    async def recover(self) -> list[tuple[TaskChange, Task | None]]:
        """What changed since `since` that the stream has not reported, oldest write first."""
        floor, self.since = self.since - GAP_SLACK, clock.now()
        self.seam = {}
        out: list[tuple[TaskChange, Task | None]] = []
        written = await self.scope().filter(updated_at__gte=floor).order_by("updated_at", "id")
        for row in written:
            prior = self.seen.get(row.id)
            if prior == (row.updated_at, row.assignee_id):
                continue
            moved_from = prior[1] if prior is not None and prior[1] != row.assignee_id else None
            kind = TaskChangeKind.RESYNCED
            out.append((self._change(row.id, row.assignee_id, moved_from, kind, row), row))
        found = {row.id for row in written}
        gone = [task_id for task_id in self.seen if task_id not in found]
        for task_id, assignee_id in (await self._gone(gone)).items():
            was = self.seen[task_id][1]
            if assignee_id is None:
                change = self._change(task_id, was, None, TaskChangeKind.DELETED, None)
                out.append((change, None))
                continue
            moved = await visible_tasks(self.viewer).get_or_none(id=task_id)
            kind = TaskChangeKind.REASSIGNED
            out.append((self._change(task_id, assignee_id, was, kind, moved), moved))
        for change, now in out:
            self.seam[change.task_id] = now.updated_at if now is not None else None
            self.told(change.task_id, now)
        return out

    async def _gone(self, task_ids: list[int]) -> dict[int, int | None]:
        """Of these tasks, those now out of the stream's view, with their assignee now (None:
        deleted), in the order given."""
        if not task_ids:
            return {}
        still = set(await self.scope().filter(id__in=task_ids).values_list("id", flat=True))
        out = [task_id for task_id in task_ids if task_id not in still]
        if not out:
            return {}
        team = self.viewer.team_id
        rows = await Task.filter(id__in=out, team_id=team).values_list("id", "assignee_id")
        elsewhere: dict[int, int] = {int(task_id): int(who) for task_id, who in rows}
        return {task_id: elsewhere.get(task_id) for task_id in out}

    def _change(
        self,
        task_id: int,
        assignee_id: int,
        previous: int | None,
        kind: TaskChangeKind,
        row: Task | None,
    ) -> TaskChange:
        return TaskChange(
            task_id=task_id,
            team_id=self.viewer.team_id,
            assignee_id=assignee_id,
            previous_assignee_id=previous,
            kind=kind,
            # Only a re-read task tells when it was written; the rest: when this was noticed.
            occurred_at=row.updated_at if kind is TaskChangeKind.RESYNCED and row else self.since,
            actor_id=None,
        )
