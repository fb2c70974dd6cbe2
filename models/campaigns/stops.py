"""Ending, pausing and rewinding memberships inside the caller's transaction.

Stop rules run in the same transaction as the event that triggers them (a reply, a hard bounce, a
spam complaint, an unsubscribe: models/engagement/recorders.py), and so do the user's pause and
remove. Step emails already created but not yet claimed by a sender (still SCHEDULED) go back: they
are deleted by the system (a campaign email cannot be deleted by a user), their run row is removed
and the membership is rewound to that step, so a resume sends it then and a stop never sends it.
A step email already IN_PROGRESS is on the wire and cannot be called back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise.expressions import F

from models.campaigns.tables import (
    LIVE_STATES,
    CampaignMembership,
    CampaignMembershipEvent,
    CampaignStepRun,
    MembershipEventKind,
    MembershipState,
)
from models.emails import counters
from models.emails.tables import Email, EmailEvent, EmailEventKind, EmailStatus


@dataclass
class Changed:
    """What a stop, pause or rewind wrote; published by the caller after its commit."""

    email_events: list[EmailEvent] = field(default_factory=list)
    membership_events: list[CampaignMembershipEvent] = field(default_factory=list)

    def extend(self, other: Changed) -> None:
        self.email_events += other.email_events
        self.membership_events += other.membership_events


async def withdraw_pending(
    conn: Any, memberships: Sequence[CampaignMembership], at: datetime
) -> list[EmailEvent]:
    """Delete the memberships' SCHEDULED step emails and rewind each membership to that step."""
    by_id = {m.id: m for m in memberships}
    if not by_id:
        return []
    runs = await CampaignStepRun.filter(
        membership_id__in=list(by_id), email_id__isnull=False
    ).using_db(conn)
    emails = {
        e.id: e
        for e in await Email.filter(
            id__in=[r.email_id for r in runs], status=EmailStatus.SCHEDULED
        ).using_db(conn)
    }
    events: list[EmailEvent] = []
    for run in sorted(runs, key=lambda r: r.step):
        email = emails.get(run.email_id or 0)
        if email is None:
            continue
        if (
            not await Email.filter(id=email.id, status=EmailStatus.SCHEDULED)
            .using_db(conn)
            .delete()
        ):
            continue  # claimed meanwhile: it is going out
        events.append(
            await EmailEvent.create(
                team_id=email.team_id,
                owner_id=email.owner_id,
                email_id=email.id,
                kind=EmailEventKind.DELETED,
                actor_id=None,
                previous_status=EmailStatus.SCHEDULED,
                new_status=None,
                occurred_at=at,
                data={
                    "action": "CAMPAIGN_WITHDRAW",
                    "personId": email.person_id,
                    "campaignId": email.campaign_id,
                },
                using_db=conn,
            )
        )
        await counters.move(email.team_id, email.owner_id, EmailStatus.SCHEDULED, None, conn)
        await CampaignStepRun.filter(id=run.id).using_db(conn).delete()
        membership = by_id[run.membership_id]
        if membership.step > run.step:
            # Back to the withdrawn step, due when it was due (the delay already elapsed).
            await (
                CampaignMembership.filter(id=membership.id)
                .using_db(conn)
                .update(step=run.step, next_due_at=email.scheduled_at)
            )
            membership.step, membership.next_due_at = run.step, email.scheduled_at
    return events


async def end(
    conn: Any,
    memberships: Sequence[CampaignMembership],
    state: MembershipState,
    reason: str,
    at: datetime,
    actor_id: int | None = None,
) -> Changed:
    """Move live memberships to a final state (or PAUSED), withdrawing their pending emails."""
    changed = Changed()
    live = [m for m in memberships if m.state in LIVE_STATES and m.state is not state]
    if not live:
        return changed
    if state is not MembershipState.FINISHED:  # a finished membership's last email still goes
        changed.email_events = await withdraw_pending(conn, live, at)
    paused = state is MembershipState.PAUSED
    kind = MembershipEventKind.PAUSED if paused else MembershipEventKind.STOPPED
    if state is MembershipState.FINISHED:
        kind = MembershipEventKind.FINISHED
    for membership in live:
        moved = (
            await CampaignMembership.filter(id=membership.id, state=membership.state)
            .using_db(conn)
            .update(
                state=state,
                stop_reason=reason,
                dispatch_after=None,
                ended_at=None if paused else at,
                updated_at=at,
                version=F("version") + 1,
            )
        )
        if not moved:
            continue
        membership.state, membership.stop_reason = state, reason
        membership.version += 1
        changed.membership_events.append(
            await record(conn, membership, kind, at, reason=reason, actor_id=actor_id)
        )
    return changed


def event(
    membership: CampaignMembership,
    kind: MembershipEventKind,
    at: datetime,
    *,
    reason: str | None = None,
    actor_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> CampaignMembershipEvent:
    """A history entry of the membership as it is now (not saved)."""
    return CampaignMembershipEvent(
        team_id=membership.team_id,
        campaign_id=membership.campaign_id,
        membership_id=membership.id,
        person_id=membership.person_id,
        kind=kind,
        state=membership.state,
        step=membership.step,
        reason=reason,
        actor_id=actor_id,
        occurred_at=at,
        data=data or {},
    )


async def record(
    conn: Any,
    membership: CampaignMembership,
    kind: MembershipEventKind,
    at: datetime,
    *,
    reason: str | None = None,
    actor_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> CampaignMembershipEvent:
    row = event(membership, kind, at, reason=reason, actor_id=actor_id, data=data)
    await row.save(using_db=conn)
    return row


async def on_engagement(conn: Any, email: Email, kind: EmailEventKind, at: datetime) -> Changed:
    """The stop rules, for an engagement event on `email` recorded in `conn`'s transaction:
    a reply ends the person's membership in the email's campaign (and in every campaign that stops
    on any reply) as REPLIED; a hard bounce ends all of the person's memberships as BOUNCED; a spam
    complaint or an unsubscribe as UNSUBSCRIBED."""
    if email.person_id is None:
        return Changed()
    query = CampaignMembership.filter(
        team_id=email.team_id, person_id=email.person_id, state__in=list(LIVE_STATES)
    ).using_db(conn)
    if kind is EmailEventKind.REPLIED:
        state, reason = MembershipState.REPLIED, "REPLIED"
        live = await query.select_related("campaign")
        mine = [
            m for m in live if m.campaign_id == email.campaign_id or m.campaign.stop_on_any_reply
        ]
        return await end(conn, mine, state, reason, at)
    if kind in (EmailEventKind.BOUNCED, EmailEventKind.BOUNCE_REPORTED):
        return await end(conn, await query, MembershipState.BOUNCED, "BOUNCED", at)
    if kind is EmailEventKind.SPAM_REPORTED:
        return await end(conn, await query, MembershipState.UNSUBSCRIBED, "SPAM_COMPLAINT", at)
    if kind is EmailEventKind.UNSUBSCRIBED:
        return await end(conn, await query, MembershipState.UNSUBSCRIBED, "UNSUBSCRIBED", at)
    return Changed()
