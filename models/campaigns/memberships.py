"""People in a campaign: who sees which memberships, remove, pause and resume (launches:
models/campaigns/launches.py)."""

from __future__ import annotations

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models.base import clock, hooks
from models.base.errors import DomainError, ErrorCode, not_found
from models.campaigns import stops
from models.campaigns.rules import get_campaign, may_edit, visible_campaigns, window_of
from models.campaigns.schedule import next_opening
from models.campaigns.tables import (
    Campaign,
    CampaignMembership,
    CampaignStatus,
    MembershipEventKind,
    MembershipState,
)
from models.campaigns.timing import zone_of
from models.people.tables import Person
from models.teams.tables import User


def visible_memberships(viewer: User) -> QuerySet[CampaignMembership]:
    return CampaignMembership.filter(
        team_id=viewer.team_id, campaign_id__in=Subquery(visible_campaigns(viewer).values("id"))
    )


async def get_membership(viewer: User, membership_id: int, field: str = "id") -> CampaignMembership:
    membership = await visible_memberships(viewer).get_or_none(id=membership_id)
    if membership is None:
        raise not_found("Campaign membership", field)
    return membership


async def _editable(viewer: User, membership: CampaignMembership) -> Campaign:
    campaign = await Campaign.get(id=membership.campaign_id)
    if not (may_edit(viewer, campaign) or membership.sender_id == viewer.id):
        raise DomainError(
            ErrorCode.FORBIDDEN,
            "Only whoever added the person, the campaign's owner or a team admin may do this.",
            "id",
        )
    return campaign


async def remove_people(
    viewer: User, campaign_id: int, person_ids: list[int]
) -> list[CampaignMembership]:
    campaign = await get_campaign(viewer, campaign_id, "campaignId")
    rows = await CampaignMembership.filter(campaign_id=campaign.id, person_id__in=person_ids)
    for row in rows:
        await _editable(viewer, row)
    await _end(rows, MembershipState.REMOVED, "REMOVED", viewer)
    return await CampaignMembership.filter(id__in=[r.id for r in rows]).order_by("id")


async def pause_membership(viewer: User, membership_id: int) -> CampaignMembership:
    membership = await get_membership(viewer, membership_id)
    await _editable(viewer, membership)
    if membership.state is not MembershipState.ACTIVE:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"A {membership.state.value} membership cannot be paused.",
            "id",
        )
    await _end([membership], MembershipState.PAUSED, "PAUSED", viewer)
    return await CampaignMembership.get(id=membership.id)


async def resume_membership(viewer: User, membership_id: int) -> CampaignMembership:
    membership = await get_membership(viewer, membership_id)
    campaign = await _editable(viewer, membership)
    if membership.state is not MembershipState.PAUSED:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"A {membership.state.value} membership cannot be resumed.",
            "id",
        )
    if campaign.status is not CampaignStatus.ACTIVE:
        raise DomainError(ErrorCode.CAMPAIGN_NOT_ACTIVE, "Resume the campaign first.", "id")
    await resume_all(campaign, [membership], viewer)
    return await CampaignMembership.get(id=membership.id)


async def resume_all(campaign: Campaign, rows: list[CampaignMembership], actor: User) -> None:
    """PAUSED → ACTIVE where they were: a step that fell due meanwhile goes at the next opening."""
    now = clock.now()
    window = window_of(campaign)
    people = {p.id: p for p in await Person.filter(id__in=[r.person_id for r in rows])}
    senders = {u.id: u for u in await User.filter(id__in={r.sender_id for r in rows})}
    async with in_transaction() as conn:
        for row in rows:
            due = row.next_due_at
            if due is not None:
                tz = zone_of(people.get(row.person_id), senders.get(row.sender_id))
                due = next_opening(max(due, now), tz, window)
            moved = (
                await CampaignMembership.filter(id=row.id, state=MembershipState.PAUSED)
                .using_db(conn)
                .update(
                    state=MembershipState.ACTIVE,
                    stop_reason=None,
                    next_due_at=due,
                    dispatch_after=None,
                    updated_at=now,
                )
            )
            if moved:
                row.state, row.next_due_at = MembershipState.ACTIVE, due
                await stops.record(conn, row, MembershipEventKind.RESUMED, now, actor_id=actor.id)


async def _end(
    rows: list[CampaignMembership], state: MembershipState, reason: str, actor: User
) -> None:
    async with in_transaction() as conn:
        changed = await stops.end(conn, rows, state, reason, clock.now(), actor.id)
    await hooks.events_committed(changed.email_events)
