"""Manual email steps: the rep reviews a prepared email, completing its task sends it.

The engine turns a MANUAL_EMAIL step into an EMAIL task on the sender's list; the prepared
subject and body are held on the step's run row (campaign emails never become drafts) and shown
in the task's details. Completing the task creates the step's email, SCHEDULED and due now, and
the membership moves on from the completion time. Completing it while the membership is not
active (paused, stopped) sends nothing; skipping or deleting the task sends nothing either.
"""

from __future__ import annotations

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from models.base import clock, hooks
from models.campaigns import outputs, stops
from models.campaigns.rules import window_of
from models.campaigns.schedule import due_at
from models.campaigns.tables import (
    Campaign,
    CampaignMembership,
    CampaignStep,
    CampaignStepRun,
    MembershipEventKind,
    MembershipState,
)
from models.campaigns.timing import zone_of
from models.people.tables import Person
from models.tasks.tables import Task
from models.teams.tables import User


async def task_completed(task: Task) -> bool:
    """Send the manual step email `task` stands for. True when it was scheduled."""
    if task.campaign_id is None:
        return False
    membership = await CampaignMembership.get_or_none(
        waiting_task_id=task.id, state=MembershipState.ACTIVE
    )
    run = await CampaignStepRun.get_or_none(task_id=task.id)
    if membership is None or run is None or run.email_id is not None:
        return False
    campaign = await Campaign.get(id=membership.campaign_id)
    steps = await CampaignStep.filter(campaign_id=campaign.id).order_by("position", "id")
    step = next((s for s in steps if s.position == run.step), None)
    following = next((s for s in steps if s.position == run.step + 1), None)
    person = await Person.get(id=membership.person_id)
    sender = await User.get(id=membership.sender_id)
    now = clock.now()
    next_due = None
    if following is not None:
        next_due = due_at(
            now,
            following.delay_days,
            following.time_of_day,
            business_days=campaign.skip_weekends,
            tz=zone_of(person, sender),
            window=window_of(campaign),
        )
    finished = following is None
    async with in_transaction() as conn:
        moved = (
            await CampaignMembership.filter(
                id=membership.id, waiting_task_id=task.id, state=MembershipState.ACTIVE
            )
            .using_db(conn)
            .update(
                waiting_task_id=None,
                last_due_at=now,
                next_due_at=next_due,
                state=MembershipState.FINISHED if finished else MembershipState.ACTIVE,
                ended_at=now if finished else None,
                updated_at=now,
                version=F("version") + 1,
            )
        )
        if not moved:
            return False
        source = step or CampaignStep(position=run.step, reply_in_thread=False, template_id=None)
        row = await outputs.email_row(
            conn, membership, source, person, now, texts=(run.subject, run.body_html, run.body_text)
        )
        (email,), events = await outputs.create_emails(conn, [row])
        await (
            CampaignStepRun.filter(id=run.id)
            .using_db(conn)
            .update(email_id=email.id, message_id=email.message_id)
        )
        await Task.filter(id=task.id).using_db(conn).update(email_id=email.id)
        if finished:
            membership.state = MembershipState.FINISHED
        await stops.record(
            conn, membership, MembershipEventKind.STEP_SENT, now, data={"step": run.step}
        )
        if finished:
            await stops.record(conn, membership, MembershipEventKind.FINISHED, now)
    await hooks.events_committed(events)
    return True
