"""The time zone and send window that apply to one membership or one campaign email."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from models.campaigns.rules import window_of
from models.campaigns.schedule import next_opening, zone
from models.campaigns.tables import Campaign
from models.emails.tables import Email
from models.people.tables import Person
from models.teams.tables import User


def zone_of(person: Person | None, sender: User | None) -> ZoneInfo:
    """The prospect's time zone when known, else the sender's (else UTC)."""
    return zone(
        person.timezone if person is not None else None,
        sender.timezone if sender is not None else None,
    )


async def window_after(email: Email, at: datetime) -> datetime:
    """The campaign window's first opening at or after `at`, for a campaign step email (the
    daily send limit defers what does not fit today to it); `at` for any other email."""
    if email.campaign_id is None or email.campaign_step is None:
        return at
    campaign = await Campaign.get_or_none(id=email.campaign_id)
    if campaign is None:
        return at
    person = await Person.get_or_none(id=email.person_id) if email.person_id else None
    sender = await User.get_or_none(id=email.owner_id)
    return next_opening(at, zone_of(person, sender), window_of(campaign))
