"""The campaign engine: due membership steps become emails and tasks, exactly once each.

How a step runs once, whatever the messages (the database decides, as for sending):
1. Dispatch. `due_for_dispatch` picks ACTIVE memberships whose next step is due and stamps them
   `dispatch_after = now + CC_REDISPATCH_AFTER`; the worker gets `advance_memberships(ids)`. A lost
   message costs nothing: the membership is still due, a later sweep sends it again.
2. Advance. `advance` does everything of one step in ONE transaction: it inserts the step's run
   row (unique per membership and step), moves the membership on with an UPDATE conditional on
   its version, and creates the step's email (SCHEDULED, due now: the due time already respects
   the send window) or task. A duplicated message, a second dispatcher or a replay loses the
   unique key or the version and changes nothing; a crash anywhere before the commit leaves
   nothing behind, so the step is neither doubled nor skipped.
Daily limit and throttle apply at send time like any email (models/sending/rules.py); what does
not fit today moves to the window's next opening (models/campaigns/timing.py).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from config.settings import get_settings
from models.base import clock, hooks
from models.campaigns import stops
from models.campaigns.rules import window_of
from models.campaigns.schedule import due_at
from models.campaigns.tables import (
    EMAIL_KINDS,
    Campaign,
    CampaignMembership,
    CampaignStatus,
    CampaignStep,
    CampaignStepRun,
    MembershipEventKind,
    MembershipState,
    StepKind,
)
from models.campaigns.timing import zone_of
from models.emails import transitions
from models.emails.commands import new_message_id
from models.emails.tables import Email, EmailEvent, EmailStatus
from models.people.tables import Person
from models.tasks.changes import TaskChange, TaskChangeKind
from models.tasks.tables import Task, TaskType
from models.teams.tables import User

log = logging.getLogger(__name__)

TASK_TYPES = {
    StepKind.MANUAL_EMAIL: TaskType.EMAIL,
    StepKind.CALL: TaskType.CALL,
    StepKind.INMAIL: TaskType.INMAIL,
    StepKind.CUSTOM: TaskType.CUSTOM,
}


async def due_for_dispatch(limit: int = 500) -> list[int]:
    """Ids of ACTIVE memberships with a due step and no live message, stamped as dispatched."""
    now = clock.now()
    due = (
        CampaignMembership.filter(state=MembershipState.ACTIVE, next_due_at__lte=now)
        .filter(Q(dispatch_after=None) | Q(dispatch_after__lte=now))
        .order_by("next_due_at", "id")
        .limit(limit)
    )
    ids: list[int] = await due.values_list("id", flat=True)  # type: ignore[assignment]
    if ids:
        later = now + timedelta(seconds=get_settings().redispatch_after)
        await CampaignMembership.filter(id__in=ids).update(dispatch_after=later)
    return ids


class _Lost(Exception):
    """Another caller ran this step first (unique key or version): roll back, do nothing."""


def after_created(membership: CampaignMembership) -> None:
    """Called inside the step's transaction once its email or task exists. A seam for the
    crash tests (a worker dying here leaves nothing behind); does nothing."""


async def advance(membership_id: int) -> bool:
    """Run the membership's due step if it is still due. True when this caller ran it."""
    return await advance_batch([membership_id]) == 1


async def advance_batch(membership_ids: list[int]) -> int:
    """`advance` for each id, with the campaigns, steps, people and senders loaded once for the
    batch (one query each); each step is still its own transaction. Returns how many ran."""
    now = clock.now()
    due = await CampaignMembership.filter(
        id__in=list(membership_ids), state=MembershipState.ACTIVE, next_due_at__lte=now
    ).order_by("id")
    if not due:
        return 0
    campaigns = {
        c.id: c
        for c in await Campaign.filter(
            id__in={m.campaign_id for m in due}, status=CampaignStatus.ACTIVE
        )
    }
    steps: dict[int, list[CampaignStep]] = {pk: [] for pk in campaigns}
    for step in await CampaignStep.filter(campaign_id__in=list(campaigns)).order_by(
        "position", "id"
    ):
        steps[step.campaign_id].append(step)
    people = {p.id: p for p in await Person.filter(id__in={m.person_id for m in due})}
    senders = {u.id: u for u in await User.filter(id__in={m.sender_id for m in due})}
    ran = 0
    for membership in due:
        campaign = campaigns.get(membership.campaign_id)
        if campaign is None:
            continue  # not active (memberships of a paused campaign are paused themselves)
        try:
            ran += await _run(
                membership,
                campaign,
                steps[campaign.id],
                people[membership.person_id],
                senders[membership.sender_id],
                now,
            )
        except (_Lost, IntegrityError):
            continue  # another caller ran this step
        except Exception:
            if len(membership_ids) == 1:
                raise
            # One broken membership must not hold up the others; the sweep tries it again.
            log.exception("campaign membership %s: step failed", membership.id)
    return ran


async def _run(
    membership: CampaignMembership,
    campaign: Campaign,
    steps: list[CampaignStep],
    person: Person,
    sender: User,
    now: datetime,
) -> bool:
    index = membership.step - 1
    step = steps[index] if index < len(steps) else None
    stop = _stop_before(step, person)
    if stop is not None:
        state, reason = stop
        async with in_transaction() as conn:
            changed = await stops.end(conn, [membership], state, reason, now)
        await hooks.events_committed(changed.email_events)
        return bool(changed.membership_events)
    assert step is not None
    due = membership.next_due_at or now
    following = steps[index + 1] if index + 1 < len(steps) else None
    tz = zone_of(person, sender)
    next_due = None
    if following is not None and step.kind is not StepKind.MANUAL_EMAIL:
        next_due = due_at(
            due,
            following.delay_days,
            following.time_of_day,
            business_days=campaign.skip_weekends,
            tz=tz,
            window=window_of(campaign),
        )
    events: list[EmailEvent] = []
    task: Task | None = None
    async with in_transaction() as conn:
        run = CampaignStepRun(
            membership_id=membership.id,
            campaign_id=campaign.id,
            step=step.position,
            kind=step.kind,
            created_at=now,
        )
        finished = following is None and step.kind is not StepKind.MANUAL_EMAIL
        moved = (
            await CampaignMembership.filter(
                id=membership.id, version=membership.version, state=MembershipState.ACTIVE
            )
            .using_db(conn)
            .update(
                step=membership.step + 1,
                last_due_at=due,
                next_due_at=next_due,
                dispatch_after=None,
                state=MembershipState.FINISHED if finished else MembershipState.ACTIVE,
                ended_at=now if finished else None,
                updated_at=now,
                version=F("version") + 1,
            )
        )
        if not moved:
            raise _Lost
        if step.kind is StepKind.AUTO_EMAIL:
            email, event = await create_email(conn, membership, campaign, step, person, due)
            events.append(event)
            run.email_id, run.message_id = email.id, email.message_id
        else:
            task = await _create_task(conn, membership, step, person, due, run)
            run.task_id = task.id
            if step.kind is StepKind.MANUAL_EMAIL:
                await (
                    CampaignMembership.filter(id=membership.id)
                    .using_db(conn)
                    .update(waiting_task_id=task.id)
                )
        # The exactly-once key: a second run of this step fails here and rolls everything back.
        await run.save(using_db=conn)
        membership.step += 1
        membership.state = MembershipState.FINISHED if finished else MembershipState.ACTIVE
        after_created(membership)
        await stops.record(
            conn,
            membership,
            MembershipEventKind.STEP_ADVANCED,
            now,
            data={"step": step.position, "kind": step.kind.value},
        )
        if finished:
            await stops.record(conn, membership, MembershipEventKind.FINISHED, now)
    await hooks.events_committed(events)
    if task is not None:
        await _task_created(task)
    return True


def _stop_before(step: CampaignStep | None, person: Person) -> tuple[MembershipState, str] | None:
    """A membership that must end instead of running `step`, and how."""
    if step is None:
        return MembershipState.FINISHED, "FINISHED"  # steps were removed meanwhile
    if step.kind in EMAIL_KINDS and person.unsubscribed:
        return MembershipState.UNSUBSCRIBED, "UNSUBSCRIBED"
    return None


async def create_email(
    conn: Any,
    membership: CampaignMembership,
    campaign: Campaign,
    step: CampaignStep,
    person: Person,
    due: datetime,
    *,
    texts: tuple[str, str, str] | None = None,
) -> tuple[Email, EmailEvent]:
    subject, body_html, body_text = texts or (step.subject, step.body_html, step.body_text)
    in_reply_to, references = None, ""
    if step.reply_in_thread:
        previous = await _previous_email(conn, membership.id, step.position)
        if previous is not None:
            in_reply_to = previous.message_id
            references = f"{previous.thread_references} {previous.message_id}".strip()
            subject = previous.subject if _is_reply(previous.subject) else f"Re: {previous.subject}"
    at = clock.now()
    email = await Email.create(
        team_id=membership.team_id,
        owner_id=membership.sender_id,
        person_id=person.id,
        campaign_id=campaign.id,
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
        using_db=conn,
    )
    event = await transitions.record_created(email, None, conn)
    return email, event


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


async def _create_task(
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


async def _task_created(task: Task) -> None:
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
