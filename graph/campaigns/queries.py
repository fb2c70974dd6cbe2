"""Reading campaigns: the team's shared ones and the caller's private ones."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graph.campaigns.types import Campaign
from graph.context import Info
from graph.errors import or_query_error
from graph.relay import After, Before, Connection, First, Last, decode_id
from models.base.pagination import paginate
from models.campaigns import commands as campaigns
from models.campaigns.rules import visible_campaigns
from models.campaigns.tables import CampaignStatus


@strawberry.input(description="Narrow the campaign list; conditions combine with AND.")
class CampaignFilter:
    text: str | None = strawberry.field(default=None, description="In the name.")
    status: CampaignStatus | None = strawberry.field(
        default=None, description="Only campaigns in this status; null for any."
    )
    owner_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Only campaigns owned by this user (a User's global ID); an unknown or "
        "foreign ID matches nothing. Null for any owner.",
    )
    shared: bool | None = strawberry.field(
        default=None,
        description="true: only the team's shared campaigns; false: only private ones (the "
        "caller's own); null: both.",
    )

    def to_domain(self) -> campaigns.CampaignFilter:
        owner_id = decode_id(self.owner_id, "User") if self.owner_id is not None else None
        return campaigns.CampaignFilter(
            text=self.text,
            status=self.status,
            # An unknown or foreign owner matches nothing.
            owner_id=-1 if self.owner_id is not None and owner_id is None else owner_id,
            shared=self.shared,
        )


@strawberry.type
class CampaignQueries:
    @strawberry.field(description="Campaigns the caller may see, by name.")
    async def campaigns(
        self,
        info: Info,
        filter: Annotated[
            CampaignFilter | None,
            strawberry.argument(description="Only matching campaigns; null for all of them."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Campaign]:
        viewer = info.context.user

        async def run() -> Connection[Campaign]:
            query = campaigns.campaign_query(viewer, filter.to_domain() if filter else None)
            page = await paginate(
                query, campaigns.CAMPAIGN_ORDER, first=first, after=after, last=last, before=before
            )
            return Connection[Campaign].of(page, query, Campaign.of)

        return await or_query_error(run)

    @strawberry.field(description="One campaign the caller may see, or null.")
    async def campaign(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(
                description="The campaign's global ID; a malformed, unknown or private "
                "(someone else's) ID gives null."
            ),
        ],
    ) -> Campaign | None:
        pk = decode_id(id, "Campaign")
        if pk is None:
            return None
        row = await visible_campaigns(info.context.user).get_or_none(id=pk)
        return Campaign.of(row) if row else None
