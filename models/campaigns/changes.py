"""Membership changes for live subscriptions: read from the history table by cursor.

The history table is the feed: its ids only grow, so "the changes after cursor C" is one indexed
range read, the same whether the subscriber is catching up (`since:`) or following live, and
whichever process (API or worker) committed the change.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from config.settings import get_settings
from models.campaigns.tables import CampaignMembershipEvent

PAGE = 200


async def latest_cursor(campaign_id: int) -> int:
    row = await CampaignMembershipEvent.filter(campaign_id=campaign_id).order_by("-id").first()
    return row.id if row else 0


async def follow(campaign_id: int, after: int | None) -> AsyncIterator[CampaignMembershipEvent]:
    """Every change of the campaign after cursor `after` (None: from now on), in order, forever."""
    cursor = await latest_cursor(campaign_id) if after is None else after
    while True:
        rows = (
            await CampaignMembershipEvent.filter(campaign_id=campaign_id, id__gt=cursor)
            .order_by("id")
            .limit(PAGE)
        )
        for row in rows:
            cursor = row.id
            yield row
        if len(rows) < PAGE:
            await asyncio.sleep(get_settings().campaign_changes_poll)
