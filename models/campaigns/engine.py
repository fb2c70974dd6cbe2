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
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from config.settings import get_settings
from models.base import clock, hooks
from models.campaigns import outputs, stops
from models.campaigns.rules import window_of
from models.campaigns.schedule import due_at
from models.campaigns.tables import (
    EMAIL_KINDS,
    Campaign,
    CampaignMembership,
    CampaignMembershipEvent,
    CampaignStatus,
    CampaignStep,
    CampaignStepRun,
    MembershipEventKind,
    MembershipState,
    StepKind,
)
from models.campaigns.timing import zone_of
from models.emails.tables import Email, EmailEvent
from models.people.tables import Person
from models.tasks.tables import Task
from models.teams.tables import User

log = logging.getLogger(__name__)


async def due_for_dispatch(limit: int = 500) -> list[int]:
    """Ids of ACTIVE memberships with a due step and no live message, stamped as dispatched."""
    now = clock.now()
    due = (
        CampaignMembership.filter(state=MembershipState.ACTIVE, next_due_at__lte=now)
        .filter(Q(dispatch_after=None) | Q(dispatch_after__lte=now))
        .order_by("next_due_at", "id")
        .limit(limit)
    )
    later = now + timedelta(seconds=get_settings().redispatch_after)
    async with in_transaction() as conn:
        # Rows another dispatcher is stamping are skipped, not waited for (PostgreSQL): two
        # sweeps share the due memberships and never deadlock on each other's rows.
        rows = await due.select_for_update(skip_locked=True).only("id").using_db(conn)
        ids = [row.id for row in rows]
        if ids:
            await CampaignMembership.filter(id__in=ids).using_db(conn).update(dispatch_after=later)
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
    """`advance` for each id. The batch's campaigns, steps, people and senders are loaded once
    (one query each) and its steps are written in ONE transaction; if any of them was run by
    someone else meanwhile (a duplicate message) or fails, that transaction rolls back and each
    step is retried in its own transaction, so the others still run. Returns how many ran."""
    if len(membership_ids) > 1:
        done = _Done()
        try:
            async with in_transaction() as conn:
                batch = [await _step(conn, *item, done) for item in await _load(membership_ids)]
                await _write(conn, [p for p in batch if p is not None], done)
        except (_Lost, IntegrityError):
            pass  # raced: settle each one on its own below
        except Exception:
            log.exception("campaign memberships %s: batch failed, one by one", membership_ids)
        else:
            await _publish(done)
            return done.count
    ran = 0
    for item in await _load(membership_ids):
        done = _Done()
        try:
            async with in_transaction() as conn:
                one = await _step(conn, *item, done)
                await _write(conn, [one] if one is not None else [], done)
        except (_Lost, IntegrityError):
            continue  # another caller ran this step
        except Exception:
            if len(membership_ids) == 1:
                raise
            # One broken membership must not hold up the others; the sweep tries it again.
            log.exception("campaign membership %s: step failed", item[0].id)
            continue
        await _publish(done)
        ran += done.count
    return ran


@dataclass
class _Done:
    """What a transaction of steps wrote, published after its commit."""

    count: int = 0
    email_events: list[EmailEvent] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)


async def _publish(done: _Done) -> None:
    await hooks.events_committed(done.email_events)
    for task in done.tasks:
        await outputs.task_created(task)


_Item = tuple[CampaignMembership, Campaign, list[CampaignStep], Person, User, datetime]


async def _load(membership_ids: list[int]) -> list[_Item]:
    """The due memberships among the ids, each with what its step needs."""
    now = clock.now()
    due = await CampaignMembership.filter(
        id__in=list(membership_ids), state=MembershipState.ACTIVE, next_due_at__lte=now
    ).order_by("id")
    if not due:
        return []
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
    return [
        (
            m,
            campaigns[m.campaign_id],
            steps[m.campaign_id],
            people[m.person_id],
            senders[m.sender_id],
            now,
        )
        for m in due
        # A campaign that is not active has no active memberships (pausing pauses them).
        if m.campaign_id in campaigns
    ]


@dataclass
class _Planned:
    """A step whose membership has moved on, with what is left to write."""

    membership: CampaignMembership
    step: CampaignStep
    run: CampaignStepRun
    finished: bool
    moves: dict[str, Any]  # the membership's new values
    email: Email | None = None


async def _step(
    conn: Any,
    membership: CampaignMembership,
    campaign: Campaign,
    steps: list[CampaignStep],
    person: Person,
    sender: User,
    now: datetime,
    done: _Done,
) -> _Planned | None:
    """Move the membership past its due step inside `conn`'s transaction (`_Lost` when already
    moved) and prepare the step's email; tasks are created here. `_write` writes the rest."""
    index = membership.step - 1
    step = steps[index] if index < len(steps) else None
    stop = _stop_before(step, person)
    if stop is not None:
        state, reason = stop
        changed = await stops.end(conn, [membership], state, reason, now)
        done.email_events += changed.email_events
        done.count += bool(changed.membership_events)
        return None
    assert step is not None
    due = membership.next_due_at or now
    following = steps[index + 1] if index + 1 < len(steps) else None
    next_due = None
    if following is not None and step.kind is not StepKind.MANUAL_EMAIL:
        next_due = due_at(
            due,
            following.delay_days,
            following.time_of_day,
            business_days=campaign.skip_weekends,
            tz=zone_of(person, sender),
            window=window_of(campaign),
        )
    finished = following is None and step.kind is not StepKind.MANUAL_EMAIL
    moves = {
        "step": membership.step + 1,
        "last_due_at": due,
        "next_due_at": next_due,
        "dispatch_after": None,
        "state": MembershipState.FINISHED if finished else MembershipState.ACTIVE,
        "ended_at": now if finished else None,
        "updated_at": now,
        "waiting_task_id": None,
    }
    run = CampaignStepRun(
        membership_id=membership.id,
        campaign_id=campaign.id,
        step=step.position,
        kind=step.kind,
        created_at=now,
    )
    planned = _Planned(membership, step, run, finished, moves)
    if step.kind is StepKind.AUTO_EMAIL:
        planned.email = await outputs.email_row(conn, membership, step, person, due)
    else:
        task = await outputs.create_task(conn, membership, step, person, due, run)
        done.tasks.append(task)
        run.task_id = task.id
        if step.kind is StepKind.MANUAL_EMAIL:
            moves["waiting_task_id"] = task.id  # the membership waits for this task
    return planned


async def _move_on(conn: Any, planned: list[_Planned]) -> None:
    """Move every membership past its step: one UPDATE per set of equal new values (a launch's
    memberships share them), conditional on each one's version. Fewer rows than asked means
    another caller moved one first: `_Lost`, and the transaction rolls back."""
    groups: dict[tuple[Any, ...], list[_Planned]] = {}
    for item in planned:
        groups.setdefault(tuple(sorted(item.moves.items())), []).append(item)
    for group in groups.values():
        current = Q(
            *(Q(id=p.membership.id, version=p.membership.version) for p in group), join_type="OR"
        )
        moved = (
            await CampaignMembership.filter(current, state=MembershipState.ACTIVE)
            .using_db(conn)
            .update(**group[0].moves, version=F("version") + 1)
        )
        if moved != len(group):
            raise _Lost


async def _write(conn: Any, planned: list[_Planned], done: _Done) -> None:
    """The steps' emails, run rows and history, a few statements for the whole batch."""
    if not planned:
        return
    await _move_on(conn, planned)
    with_email = [p for p in planned if p.email is not None]
    emails, events = await outputs.create_emails(conn, [p.email for p in with_email if p.email])
    done.email_events += events
    for item, email in zip(with_email, emails, strict=True):
        item.run.email_id, item.run.message_id = email.id, email.message_id
    history: list[CampaignMembershipEvent] = []
    now = planned[0].run.created_at
    for item in planned:
        after_created(item.membership)
        item.membership.step += 1
        finished = item.finished
        item.membership.state = MembershipState.FINISHED if finished else MembershipState.ACTIVE
        data = {"step": item.step.position, "kind": item.step.kind.value}
        history.append(
            stops.event(item.membership, MembershipEventKind.STEP_ADVANCED, now, data=data)
        )
        if finished:
            history.append(stops.event(item.membership, MembershipEventKind.FINISHED, now))
    # The exactly-once key: a second run of any of these steps fails here and rolls back all.
    await CampaignStepRun.bulk_create([p.run for p in planned], batch_size=200, using_db=conn)
    await CampaignMembershipEvent.bulk_create(history, batch_size=200, using_db=conn)
    done.count += len(planned)


def _stop_before(step: CampaignStep | None, person: Person) -> tuple[MembershipState, str] | None:
    """A membership that must end instead of running `step`, and how."""
    if step is None:
        return MembershipState.FINISHED, "FINISHED"  # steps were removed meanwhile
    if step.kind in EMAIL_KINDS and person.unsubscribed:
        return MembershipState.UNSUBSCRIBED, "UNSUBSCRIBED"
    return None
