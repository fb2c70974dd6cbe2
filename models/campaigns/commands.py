"""What users do to campaigns: create, edit settings, activate, pause, resume, archive.

Status: DRAFT → ACTIVE ⇄ PAUSED → ARCHIVED (DRAFT may be archived too). Pausing the campaign pauses
every active membership (reason CAMPAIGN_PAUSED) and sends its pending step emails back; resuming
resumes exactly those, where they were. Archiving ends every live membership as REMOVED.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from models.base import clock, hooks
from models.base.errors import DomainError, ErrorCode
from models.base.pagination import Order
from models.campaigns import memberships, stops
from models.campaigns.rules import check_name, check_window, editable_campaign, visible_campaigns
from models.campaigns.tables import (
    Campaign,
    CampaignMembership,
    CampaignStatus,
    CampaignStep,
    MembershipState,
    weekdays,
)
from models.teams.tables import User

CAMPAIGN_ORDER = Order("name", descending=False)
CAMPAIGN_PAUSED = "CAMPAIGN_PAUSED"


@dataclass
class CampaignFields:
    """`None` leaves a field as it is (on update)."""

    name: str | None = None
    shared: bool | None = None
    window_days: list[int] | None = None
    window_start: int | None = None
    window_end: int | None = None
    skip_weekends: bool | None = None
    stop_on_any_reply: bool | None = None
    exclusive: bool | None = None


@dataclass
class CampaignFilter:
    text: str | None = None
    status: CampaignStatus | None = None
    owner_id: int | None = None
    shared: bool | None = None


def campaign_query(viewer: User, filter: CampaignFilter | None = None) -> QuerySet[Campaign]:
    query = visible_campaigns(viewer)
    filter = filter or CampaignFilter()
    if filter.text and filter.text.strip():
        query = query.filter(name__icontains=filter.text.strip()[:200])
    if filter.status is not None:
        query = query.filter(status=filter.status)
    if filter.owner_id is not None:
        query = query.filter(owner_id=filter.owner_id)
    if filter.shared is not None:
        query = query.filter(shared=filter.shared)
    return query


def _values(fields: CampaignFields, current: Campaign | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if fields.name is not None:
        values["name"] = check_name(fields.name)
    for name in ("shared", "skip_weekends", "stop_on_any_reply", "exclusive"):
        if getattr(fields, name) is not None:
            values[name] = getattr(fields, name)
    window = (fields.window_days, fields.window_start, fields.window_end)
    if any(part is not None for part in window):
        days = fields.window_days if fields.window_days is not None else _current_days(current)
        start = fields.window_start if fields.window_start is not None else _current(current, 0)
        end = fields.window_end if fields.window_end is not None else _current(current, 1)
        check_window(days, start, end)
        values.update(window_days=sorted(set(days)), window_start=start, window_end=end)
    return values


def _current_days(current: Campaign | None) -> list[int]:
    return current.send_days if current is not None else weekdays()


def _current(current: Campaign | None, which: int) -> int:
    if current is None:
        return (8 * 60, 18 * 60)[which]
    return (current.window_start, current.window_end)[which]


async def create_campaign(viewer: User, fields: CampaignFields) -> Campaign:
    if fields.name is None:
        raise DomainError(ErrorCode.REQUIRED, "A campaign needs a name.", "name")
    values = _values(fields, None)
    return await Campaign.create(
        team_id=viewer.team_id, owner_id=viewer.id, updated_at=clock.now(), **values
    )


async def update_campaign(viewer: User, campaign_id: int, fields: CampaignFields) -> Campaign:
    campaign = await editable_campaign(viewer, campaign_id)
    values = _values(fields, campaign)
    if values:
        await Campaign.filter(id=campaign.id).update(**values, updated_at=clock.now())
    return await Campaign.get(id=campaign.id)


async def _set_status(campaign: Campaign, allowed: set[CampaignStatus], to: CampaignStatus) -> None:
    if campaign.status not in allowed:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"A {campaign.status.value} campaign cannot become {to.value}.",
            "id",
        )
    moved = await Campaign.filter(id=campaign.id, status=campaign.status).update(
        status=to, updated_at=clock.now()
    )
    if not moved:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, "The campaign was changed meanwhile; reload it.", "id"
        )


async def activate_campaign(viewer: User, campaign_id: int) -> Campaign:
    campaign = await editable_campaign(viewer, campaign_id)
    if not await CampaignStep.exists(campaign_id=campaign.id):
        raise DomainError(
            ErrorCode.CAMPAIGN_HAS_NO_STEPS, "Add a step before activating the campaign.", "id"
        )
    await _set_status(campaign, {CampaignStatus.DRAFT}, CampaignStatus.ACTIVE)
    return await Campaign.get(id=campaign.id)


async def pause_campaign(viewer: User, campaign_id: int) -> Campaign:
    campaign = await editable_campaign(viewer, campaign_id)
    await _set_status(campaign, {CampaignStatus.ACTIVE}, CampaignStatus.PAUSED)
    live = await CampaignMembership.filter(campaign_id=campaign.id, state=MembershipState.ACTIVE)
    await _end_all(live, MembershipState.PAUSED, CAMPAIGN_PAUSED, viewer)
    return await Campaign.get(id=campaign.id)


async def resume_campaign(viewer: User, campaign_id: int) -> Campaign:
    campaign = await editable_campaign(viewer, campaign_id)
    await _set_status(campaign, {CampaignStatus.PAUSED}, CampaignStatus.ACTIVE)
    paused = await CampaignMembership.filter(
        campaign_id=campaign.id, state=MembershipState.PAUSED, stop_reason=CAMPAIGN_PAUSED
    )
    await memberships.resume_all(campaign, paused, viewer)
    return await Campaign.get(id=campaign.id)


async def archive_campaign(viewer: User, campaign_id: int) -> Campaign:
    campaign = await editable_campaign(viewer, campaign_id)
    allowed = {CampaignStatus.DRAFT, CampaignStatus.ACTIVE, CampaignStatus.PAUSED}
    await _set_status(campaign, allowed, CampaignStatus.ARCHIVED)
    live = await CampaignMembership.filter(
        campaign_id=campaign.id, state__in=[MembershipState.ACTIVE, MembershipState.PAUSED]
    )
    await _end_all(live, MembershipState.REMOVED, "CAMPAIGN_ARCHIVED", viewer)
    return await Campaign.get(id=campaign.id)


async def _end_all(
    rows: list[CampaignMembership], state: MembershipState, reason: str, actor: User
) -> None:
    at = clock.now()
    async with in_transaction() as conn:
        changed = await stops.end(conn, rows, state, reason, at, actor.id)
    await hooks.events_committed(changed.email_events)
