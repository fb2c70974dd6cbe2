"""`node(id:)`: any object by its global ID, through the same scoping as the typed queries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry

from graph.campaigns.types import Campaign, CampaignMembership, CampaignStep
from graph.context import Info
from graph.emails.types import Email
from graph.people.types import Person
from graph.relay import Node, from_global_id
from graph.search.types import SavedSearch
from graph.tasks.types import Task
from graph.templates.types import Template
from graph.users.types import Team, User
from models.base.errors import DomainError
from models.campaigns import memberships as campaign_memberships
from models.campaigns import rules as campaign_rules
from models.campaigns import steps as campaign_steps
from models.search import saved as saved_searches
from models.tasks.rules import visible_tasks
from models.teams import scope
from models.teams.tables import Team as TeamRow
from models.teams.tables import User as UserRow


async def _email(info: Info, pk: int) -> Node | None:
    row = await scope.visible_emails(info.context.user).get_or_none(id=pk)
    return Email.of(row) if row else None


async def _person(info: Info, pk: int) -> Node | None:
    row = await scope.visible_people(info.context.user).get_or_none(id=pk)
    return Person.of(row) if row else None


async def _campaign(info: Info, pk: int) -> Node | None:
    row = await campaign_rules.visible_campaigns(info.context.user).get_or_none(id=pk)
    return Campaign.of(row) if row else None


async def _campaign_step(info: Info, pk: int) -> Node | None:
    try:
        row, _campaign = await campaign_steps.get_step(info.context.user, pk)
    except DomainError:
        return None
    return CampaignStep.of(row)


async def _campaign_membership(info: Info, pk: int) -> Node | None:
    row = await campaign_memberships.visible_memberships(info.context.user).get_or_none(id=pk)
    return CampaignMembership.of(row) if row else None


async def _template(info: Info, pk: int) -> Node | None:
    row = await scope.visible_templates(info.context.user).get_or_none(id=pk)
    return Template.of(row) if row else None


async def _task(info: Info, pk: int) -> Node | None:
    row = await visible_tasks(info.context.user).get_or_none(id=pk)
    return Task.of(row) if row else None


async def _saved_search(info: Info, pk: int) -> Node | None:
    row = await saved_searches.visible_saved_searches(info.context.user).get_or_none(id=pk)
    return SavedSearch.of(row) if row else None


async def _user(info: Info, pk: int) -> Node | None:
    row = await UserRow.get_or_none(id=pk, team_id=info.context.user.team_id)
    return User.of(row) if row else None


async def _team(info: Info, pk: int) -> Node | None:
    if pk != info.context.user.team_id:
        return None
    row = await TeamRow.get_or_none(id=pk)
    return Team.of(row) if row else None


RESOLVERS: dict[str, Callable[[Info, int], Awaitable[Node | None]]] = {
    "Email": _email,
    "Person": _person,
    "Campaign": _campaign,
    "CampaignStep": _campaign_step,
    "CampaignMembership": _campaign_membership,
    "Template": _template,
    "User": _user,
    "Team": _team,
    "Task": _task,
    "SavedSearch": _saved_search,
}


@strawberry.type
class NodeQueries:
    @strawberry.field(
        description="Any object by its global ID, or null if the caller can't see it."
    )
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        parsed = from_global_id(id)
        if parsed is None or not parsed[1].isdigit():
            return None
        resolver = RESOLVERS.get(parsed[0])
        return await resolver(info, int(parsed[1])) if resolver else None
