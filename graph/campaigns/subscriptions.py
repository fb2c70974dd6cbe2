"""Live membership changes of one campaign, with `since:` replay."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from graph.campaigns.types import CampaignMembershipChange
from graph.context import Info
from graph.errors import query_error
from graph.relay import decode_id
from models.base.errors import DomainError, ErrorCode, not_found
from models.campaigns import changes
from models.campaigns.rules import get_campaign


def _cursor(since: str | None) -> int | None:
    if since is None:
        return None
    if not since.isdigit():
        raise DomainError(ErrorCode.INVALID_CURSOR, "Not a cursor from this feed.", "since")
    return int(since)


@strawberry.type
class CampaignSubscriptions:
    @strawberry.subscription(
        description="Every change of the campaign's memberships (joined, step run, paused, "
        "resumed, finished, stopped and why). With `since` (a cursor), the changes after it are "
        "replayed first, then live ones."
    )
    async def campaign_membership_changed(
        self,
        info: Info,
        campaign_id: Annotated[
            strawberry.ID,
            strawberry.argument(
                description="Global ID of a campaign the caller may see (else NOT_FOUND)."
            ),
        ],
        since: Annotated[
            str | None,
            strawberry.argument(
                description="A `cursor` from an earlier change of this campaign: replay what "
                "happened after it first. Null: only changes from now on."
            ),
        ] = None,
    ) -> AsyncGenerator[CampaignMembershipChange, None]:
        viewer = info.context.user
        try:
            pk = decode_id(campaign_id, "Campaign")
            if pk is None:
                raise not_found("Campaign", "campaignId")
            campaign = await get_campaign(viewer, pk, "campaignId")
            cursor = _cursor(since)
        except DomainError as error:
            raise query_error(error) from None
        async for row in changes.follow(campaign.id, cursor):
            yield CampaignMembershipChange.of(row)
