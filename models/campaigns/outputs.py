"""What a campaign step creates, inside the step's transaction: its email (SCHEDULED, carrying
the campaign and the step; a reply-in-thread step takes the previous step email's subject and
threading headers) or its task (on the sender's list, linked to the person, campaign and step)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from models.base import clock, hooks
from models.campaigns.tables import (
    CampaignMembership,
    CampaignStep,
    CampaignStepRun,
    StepKind,
)
from models.emails import counters
from models.emails.commands import new_message_id
from models.emails.tables import Email, EmailEvent, EmailEventKind, EmailStatus
from models.people.tables import Person
from models.tasks.changes import TaskChange, TaskChangeKind
from models.tasks.tables import Task, TaskType

BATCH = 200  # rows per INSERT: well under SQLite's bound-parameter limit
TASK_TYPES = {
    StepKind.MANUAL_EMAIL: TaskType.EMAIL,
    StepKind.CALL: TaskType.CALL,
    StepKind.INMAIL: TaskType.INMAIL,
    StepKind.CUSTOM: TaskType.CUSTOM,
}


async def email_row(
    conn: Any,
    membership: CampaignMembership,
    step: CampaignStep,
    person: Person,
    due: datetime,
    *,
    texts: tuple[str, str, str] | None = None,
) -> Email:
    """The step's email, not saved yet (`create_emails` writes many at once)."""
    subject, body_html, body_text = texts or (step.subject, step.body_html, step.body_text)
    in_reply_to, references = None, ""
    if step.reply_in_thread:
        previous = await _previous_email(conn, membership.id, step.position)
        if previous is not None:
            in_reply_to = previous.message_id
            references = f"{previous.thread_references} {previous.message_id}".strip()
            subject = previous.subject if _is_reply(previous.subject) else f"Re: {previous.subject}"
    at = clock.now()
    return Email(
        team_id=membership.team_id,
        owner_id=membership.sender_id,
        person_id=person.id,
        campaign_id=membership.campaign_id,
        campaign_step=step.position,
        template_id=step.template_id,
        to_addresses=[person.email],
        recipients_text=person.email.lower(),
        subject=subject,
        body_html=body_html,
        body_text=body_text,
        in_reply_to=in_reply_to,
        thread_references=references,
        status=EmailStatus.SCHEDULED,
        status_at=due,
        scheduled_at=due,
        message_id=new_message_id(),
        created_at=at,
        updated_at=at,
    )


async def create_emails(conn: Any, rows: list[Email]) -> tuple[list[Email], list[EmailEvent]]:
    """Insert step emails with their CREATED events and counter moves, a few statements for the
    whole list (as a bulk send does). Returns the saved emails, in order, and their events."""
    if not rows:
        return [], []
    await Email.bulk_create(rows, batch_size=BATCH, using_db=conn)
    # bulk_create does not return primary keys on every backend: read them back.
    saved = {
        e.message_id: e
        for e in await Email.filter(message_id__in=[r.message_id for r in rows]).using_db(conn)
    }
    emails = [saved[r.message_id] for r in rows]
    events = [
        EmailEvent(
            team_id=e.team_id,
            owner_id=e.owner_id,
            email_id=e.id,
            kind=EmailEventKind.CREATED,
            actor_id=None,
            previous_status=None,
            new_status=e.status,
            occurred_at=e.created_at,
            data={"bulkKind": e.bulk_kind.value, "campaignStep": e.campaign_step},
        )
        for e in emails
    ]
    await EmailEvent.bulk_create(events, batch_size=BATCH, using_db=conn)
    owners = Counter((e.team_id, e.owner_id) for e in emails)
    for (team_id, owner_id), count in sorted(owners.items()):
        await counters.move(team_id, owner_id, None, EmailStatus.SCHEDULED, conn, count=count)
    created = (
        await EmailEvent.filter(email_id__in=[e.id for e in emails], kind=EmailEventKind.CREATED)
        .using_db(conn)
        .order_by("id")
    )
    return emails, list(created)


def _is_reply(subject: str) -> bool:
    return subject[:3].lower() == "re:"


async def _previous_email(conn: Any, membership_id: int, position: int) -> Email | None:
    run = (
        await CampaignStepRun.filter(
            membership_id=membership_id, step__lt=position, email_id__isnull=False
        )
        .using_db(conn)
        .order_by("-step")
        .first()
    )
    if run is None or run.email_id is None:
        return None
    return await Email.filter(id=run.email_id).using_db(conn).first()


async def create_task(
    conn: Any,
    membership: CampaignMembership,
    step: CampaignStep,
    person: Person,
    due: datetime,
    run: CampaignStepRun,
) -> Task:
    name = person.full_name or person.email
    default = {
        StepKind.MANUAL_EMAIL: f"Email {name}",
        StepKind.CALL: f"Call {name}",
        StepKind.INMAIL: f"InMail {name}",
        StepKind.CUSTOM: f"Follow up with {name}",
    }[step.kind]
    details = step.details
    if step.kind is StepKind.MANUAL_EMAIL:
        # The prepared email is held on the run row; completing the task sends it.
        run.subject, run.body_html, run.body_text = step.subject, step.body_html, step.body_text
        details = f"{details}\n\nSubject: {step.subject}\n\n{step.body_text}".strip()
    at = clock.now()
    return await Task.create(
        team_id=membership.team_id,
        assignee_id=membership.sender_id,
        creator_id=membership.sender_id,
        person_id=person.id,
        campaign_id=membership.campaign_id,
        campaign_step=step.position,
        type=TASK_TYPES[step.kind],
        title=(step.title or default)[:200],
        details=details,
        due_at=due,
        created_at=at,
        updated_at=at,
        using_db=conn,
    )


async def task_created(task: Task) -> None:
    change = TaskChange(
        task_id=task.id,
        team_id=task.team_id,
        assignee_id=task.assignee_id,
        previous_assignee_id=None,
        kind=TaskChangeKind.CREATED,
        occurred_at=clock.now(),
        actor_id=None,
    )
    await hooks.tasks_committed([change])
