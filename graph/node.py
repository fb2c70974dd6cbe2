"""`node(id:)` and `nodes(ids:)`: any object by its global ID, through the same scoping as the
typed queries. Another team's object answers null, exactly like one that does not exist."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import strawberry
from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from graph.campaigns.types import Campaign, CampaignMembership, CampaignStep
from graph.context import Info
from graph.emails.types import Email, EmailEvent
from graph.errors import TypedGraphQLError
from graph.people.types import Person
from graph.relay import Node, decode_id, from_global_id
from graph.search.types import SavedSearch
from graph.tasks.types import Task
from graph.templates.types import Template
from graph.users.types import Team, User
from models.base.errors import ErrorCode
from models.campaigns.memberships import visible_memberships
from models.campaigns.rules import visible_campaigns
from models.campaigns.tables import CampaignStep as CampaignStepRow
from models.search import saved as saved_searches
from models.tasks.rules import visible_tasks
from models.teams import scope
from models.teams.tables import Team as TeamRow
from models.teams.tables import User as UserRow

MAX_NODES = 100

# Per type: the rows the caller may see, and how a row becomes its GraphQL object. Every type
# that implements Node is here (tests/test_node.py walks the schema to keep it so).
Visible = Callable[[Info], QuerySet[Any]]
TYPES: dict[str, tuple[Visible, Callable[[Any], Node]]] = {
    "Email": (lambda info: scope.visible_emails(info.context.user), Email.of),
    "EmailEvent": (lambda info: scope.visible_events(info.context.user), EmailEvent.of),
    "Person": (lambda info: scope.visible_people(info.context.user), Person.of),
    "Campaign": (lambda info: visible_campaigns(info.context.user), Campaign.of),
    "CampaignStep": (
        lambda info: CampaignStepRow.filter(
            campaign_id__in=Subquery(visible_campaigns(info.context.user).values("id"))
        ),
        CampaignStep.of,
    ),
    "CampaignMembership": (
        lambda info: visible_memberships(info.context.user),
        CampaignMembership.of,
    ),
    "Template": (lambda info: scope.visible_templates(info.context.user), Template.of),
    "User": (lambda info: UserRow.filter(team_id=info.context.user.team_id), User.of),
    "Team": (lambda info: TeamRow.filter(id=info.context.user.team_id), Team.of),
    "Task": (lambda info: visible_tasks(info.context.user), Task.of),
    "SavedSearch": (
        lambda info: saved_searches.visible_saved_searches(info.context.user),
        SavedSearch.of,
    ),
}


def _parse(global_id: str) -> tuple[str, int] | None:
    parsed = from_global_id(global_id)
    if parsed is None or parsed[0] not in TYPES:
        return None
    pk = decode_id(global_id, parsed[0])
    return None if pk is None else (parsed[0], pk)


async def resolve(info: Info, ids: Sequence[str]) -> list[Node | None]:
    """The objects behind `ids`, in order; one query per type asked for."""
    parsed = [_parse(global_id) for global_id in ids]
    wanted: dict[str, set[int]] = defaultdict(set)
    for item in parsed:
        if item is not None:
            wanted[item[0]].add(item[1])
    found: dict[tuple[str, int], Node] = {}
    for type_name, pks in wanted.items():
        visible, to_node = TYPES[type_name]
        for row in await visible(info).filter(id__in=sorted(pks)):
            found[(type_name, row.id)] = to_node(row)
    return [found.get(item) if item is not None else None for item in parsed]


@strawberry.type
class NodeQueries:
    @strawberry.field(
        description="Any object by its global ID, or null if the caller can't see it."
    )
    async def node(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="A global ID of any type (Email, Person, Task…)."),
        ],
    ) -> Node | None:
        return (await resolve(info, [id]))[0]

    @strawberry.field(
        description=f"Objects by their global IDs, in the order given; null for each one the "
        f"caller can't see. At most {MAX_NODES} IDs."
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(
                description="Global IDs of any types, at most 100; the answer keeps their order, "
                "with null for unknown or foreign IDs."
            ),
        ],
    ) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise TypedGraphQLError(
                f"At most {MAX_NODES} IDs at a time.", ErrorCode.PAGE_TOO_LARGE.value, "ids"
            )
        return await resolve(info, ids)
