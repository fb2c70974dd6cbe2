"""Retention of unused inbound messages (UNMATCHED, UNVERIFIED): anyone can send them, and each
keeps up to 256 KiB, so they are bounded in age (CC_INBOUND_KEEP_DAYS) and in number per team
(CC_INBOUND_KEEP_PER_TEAM; messages that belong to no team count as one more "team"), oldest
first. Matched messages and errors are not touched. Run by the inbound sweep (workers.inbound).
"""

from __future__ import annotations

from datetime import timedelta

from tortoise.functions import Count

from config.settings import get_settings
from models.base import clock
from models.inbound.tables import UNUSED_OUTCOMES, InboundMessage

_CHUNK = 500


async def enforce() -> int:
    """Delete unused messages past the age or count limit; returns how many were deleted."""
    settings = get_settings()
    unused = InboundMessage.filter(outcome__in=UNUSED_OUTCOMES)
    cutoff = clock.now() - timedelta(days=settings.inbound_keep_days)
    deleted = await unused.filter(received_at__lt=cutoff).delete()
    keep = max(0, settings.inbound_keep_per_team)
    crowded = (
        await InboundMessage.filter(outcome__in=UNUSED_OUTCOMES)
        .annotate(n=Count("id"))
        .group_by("team_id")
        .values_list("team_id", "n")
    )
    for team_id, count in crowded:
        if int(count) <= keep:
            continue
        team = InboundMessage.filter(outcome__in=UNUSED_OUTCOMES, team_id=team_id)
        while True:
            # Oldest first: everything past the newest `keep`, a chunk at a time.
            ids = (
                await team.order_by("-received_at", "-id")
                .offset(keep)
                .limit(_CHUNK)
                .values_list("id", flat=True)
            )
            if not ids:
                break
            deleted += await InboundMessage.filter(id__in=list(ids)).delete()
    return int(deleted)
