"""Demo tasks: a to-do list for the demo admin with something in every view, through the domain
commands (so live updates and rules are the real ones)."""

from __future__ import annotations

from datetime import datetime, timedelta

from models.emails.tables import Email
from models.people.tables import Person
from models.tasks import commands as tasks
from models.tasks.rules import TaskFields
from models.tasks.tables import TaskPriority, TaskType
from models.teams.tables import User


def _at(now: datetime, days: int, hour: int) -> datetime:
    return (now + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


async def seed_tasks(admin: User, rep: User, people: list[Person], now: datetime) -> None:
    def person(n: int) -> int:
        return people[n % len(people)].id

    plans = [
        (TaskType.CALL, "Call back about pricing", -1, 15, TaskPriority.HIGH, person(0)),
        (TaskType.CALL, "Discovery call", 0, 16, TaskPriority.HIGH, person(1)),
        (TaskType.INMAIL, "Connect on LinkedIn", 1, 10, TaskPriority.NORMAL, person(2)),
        (TaskType.CUSTOM, "Prepare the QBR deck", 4, 9, TaskPriority.NORMAL, None),
    ]
    for kind, title, days, hour, priority, person_id in plans:
        await tasks.create_task(
            admin,
            TaskFields(
                type=kind,
                title=title,
                details="Talk track: ask about their Q4 priorities, then the pilot.",
                priority=priority,
                due_at=_at(now, days, hour),
                person_id=person_id,
            ),
        )
    email = await Email.filter(owner_id=admin.id, person_id__not_isnull=True).first()
    if email is not None:
        await tasks.create_follow_up(
            admin,
            email.id,
            TaskType.EMAIL,
            _at(now, 0, 17),
            TaskFields(details="Send the case study."),
        )
    done = await tasks.create_task(
        admin, TaskFields(type=TaskType.CALL, title="Intro call", due_at=_at(now, -2, 11))
    )
    await tasks.complete_task(admin, done.id, "Interested; wants a demo next week.")
    napping = await tasks.create_task(
        admin, TaskFields(type=TaskType.EMAIL, title="Nudge after the webinar", due_at=now)
    )
    await tasks.snooze_task(admin, napping.id, _at(now, 1, 9))
    await tasks.create_task(
        admin,
        TaskFields(
            type=TaskType.CALL,
            title="Warm hand-over call",
            due_at=_at(now, 0, 14),
            person_id=person(3),
            assignee_id=rep.id,
        ),
    )
