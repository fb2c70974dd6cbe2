"""Who may see and change a campaign, and what its fields may hold.

The template rules: a campaign is shared with the team (teammates see it and add people to it) or
private to its owner (invisible to everyone else, exactly as if it did not exist); only the owner
or a team admin edits it, its steps and its settings.
"""

from __future__ import annotations

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from models.base.errors import DomainError, ErrorCode, not_found
from models.campaigns.schedule import MINUTES_PER_DAY, SendWindow
from models.campaigns.tables import Campaign, CampaignStatus
from models.teams.tables import User

MAX_NAME = 200


def visible_campaigns(viewer: User) -> QuerySet[Campaign]:
    return Campaign.filter(Q(shared=True) | Q(owner_id=viewer.id), team_id=viewer.team_id)


async def get_campaign(viewer: User, campaign_id: int, field: str = "id") -> Campaign:
    campaign = await visible_campaigns(viewer).get_or_none(id=campaign_id)
    if campaign is None:
        raise not_found("Campaign", field)
    return campaign


def may_edit(viewer: User, campaign: Campaign) -> bool:
    return campaign.owner_id == viewer.id or viewer.sees_whole_team


async def editable_campaign(viewer: User, campaign_id: int, field: str = "id") -> Campaign:
    campaign = await get_campaign(viewer, campaign_id, field)
    if not may_edit(viewer, campaign):
        raise DomainError(
            ErrorCode.FORBIDDEN, "Only the campaign's owner or a team admin may change it.", field
        )
    if campaign.status is CampaignStatus.ARCHIVED:
        raise DomainError(ErrorCode.CAMPAIGN_ARCHIVED, "The campaign is archived.", field)
    return campaign


def window_of(campaign: Campaign) -> SendWindow:
    return SendWindow.of(
        campaign.send_days, campaign.window_start, campaign.window_end, campaign.skip_weekends
    )


def check_window(days: list[int], start: int, end: int, field: str = "sendWindow") -> None:
    if not days or any(d < 0 or d > 6 for d in days):
        raise DomainError(
            ErrorCode.INVALID_INPUT, "Send on at least one weekday (0 = Monday … 6).", field
        )
    if not 0 <= start < end <= MINUTES_PER_DAY:
        raise DomainError(
            ErrorCode.INVALID_INPUT, "The window must start before it ends, within a day.", field
        )


def check_time_of_day(minute: int | None, field: str = "timeOfDay") -> None:
    if minute is not None and not 0 <= minute < MINUTES_PER_DAY:
        raise DomainError(ErrorCode.INVALID_INPUT, "A time of day is 00:00–23:59.", field)


def check_name(name: str, field: str = "name") -> str:
    name = name.strip()
    if not name:
        raise DomainError(ErrorCode.REQUIRED, "A campaign needs a name.", field)
    if len(name) > MAX_NAME:
        raise DomainError(ErrorCode.TOO_LONG, f"At most {MAX_NAME} characters.", field)
    return name
