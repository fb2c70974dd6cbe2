"""The to-do list's views (TODAY, TOMORROW, OVERDUE, UPCOMING, COMPLETED, ALL) and their counts.

Days are the assignee's calendar days (their `timezone`), whoever is looking: an admin looking at
a rep's list sees the rep's "today". With `start` = the assignee's local midnight today:

- OVERDUE: open, due before `start` (an earlier day). A task due at 09:00 today is still TODAY at
  15:00 — reps plan by the day, like the reference product's "due today".
- TODAY: open, due in [start, start + 1 day).
- TOMORROW: open, due in [start + 1 day, start + 2 days).
- UPCOMING: open, due in the next 7 days after today: [start + 1 day, start + 8 days).
- COMPLETED: completed (skipped tasks are only in ALL).
- ALL: every task, whatever its status or snooze.

Snoozed tasks (`snoozed_until` in the future) are hidden from the four open views until then;
`snoozeTask` also moves the due date to the snooze time when that is later (models/tasks/rules.py),
so a task snoozed "until tomorrow 9:00" comes back in tomorrow's TODAY, not as OVERDUE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.queryset import QuerySet, ValuesQuery

from models.base.zones import zone
from models.tasks.tables import Task, TaskStatus


class TaskView(StrEnum):
    TODAY = "TODAY"
    TOMORROW = "TOMORROW"
    OVERDUE = "OVERDUE"
    UPCOMING = "UPCOMING"
    COMPLETED = "COMPLETED"
    ALL = "ALL"


OPEN_VIEWS = (TaskView.TODAY, TaskView.TOMORROW, TaskView.OVERDUE, TaskView.UPCOMING)


@dataclass(frozen=True)
class Window:
    """The instants that bound the views, for one assignee at one moment."""

    now: datetime
    tz: ZoneInfo

    def day(self, offset: int) -> datetime:
        """Local midnight `offset` days from today, in UTC. Computed on the wall clock so days of
        23 or 25 hours (DST changes) still start at midnight."""
        local = self.now.astimezone(self.tz)
        wall = datetime(local.year, local.month, local.day) + timedelta(days=offset)
        return wall.replace(tzinfo=self.tz).astimezone(UTC)


def window(now: datetime, timezone: str) -> Window:
    return Window(now=now, tz=zone(timezone))


def awake(now: datetime) -> Q:
    """Open and not snoozed any more."""
    return Q(status=TaskStatus.OPEN) & (Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=now))


def view_condition(view: TaskView, w: Window) -> Q | None:
    """The rows of `view`; None for ALL."""
    if view is TaskView.ALL:
        return None
    if view is TaskView.COMPLETED:
        return Q(status=TaskStatus.COMPLETED)
    ranges = {
        TaskView.OVERDUE: (None, w.day(0)),
        TaskView.TODAY: (w.day(0), w.day(1)),
        TaskView.TOMORROW: (w.day(1), w.day(2)),
        TaskView.UPCOMING: (w.day(1), w.day(8)),
    }
    start, end = ranges[view]
    condition = awake(w.now) & Q(due_at__lt=end)
    if start is not None:
        condition &= Q(due_at__gte=start)
    return condition


def in_view(query: QuerySet[Task], view: TaskView, w: Window) -> QuerySet[Task]:
    condition = view_condition(view, w)
    return query if condition is None else query.filter(condition)


async def count_views(query: QuerySet[Task], w: Window) -> dict[TaskView, int]:
    """Every view's count in ONE query of conditional aggregates (COUNT(CASE WHEN … END)).

    Why this is cheap at any size: the views depend on "now" and on the assignee's time zone, so
    they cannot be kept as stored counters the way folder counts are (a task moves from TOMORROW
    to TODAY at midnight without any write). `query` pins team and assignee, which are the leading
    columns of the index (team_id, assignee_id, status, due_at, id): the database reads only that
    one rep's index entries, never another rep's or team's rows, and no row is loaded into Python.
    The index also holds every column the conditions read (status, due_at, snoozed_until), so the
    count is answered from the index alone (tests/tasks/test_counts_plan.py reads the plans).
    The open views are narrow due-date ranges of that index; the work grows with one rep's own
    task count, not with the size of the table.
    """
    rows = await counts_query(query, w)
    row = rows[0] if rows else {}
    return {view: int(row.get(view.value.lower()) or 0) for view in TaskView}


def counts_query(query: QuerySet[Task], w: Window) -> ValuesQuery[Any]:
    """SELECT COUNT(id), COUNT(CASE WHEN <view> THEN id END)… — one row, one pass (see above)."""
    aggregates = {
        view.value.lower(): Count("id", _filter=condition)
        for view in TaskView
        if (condition := view_condition(view, w)) is not None
    }
    return query.annotate(all=Count("id"), **aggregates).values("all", *aggregates)
