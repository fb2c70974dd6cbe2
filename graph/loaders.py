"""Per-request DataLoaders: one query per kind of related row, whatever the page size."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader
from tortoise.models import Model

from models.campaigns.tables import Campaign
from models.emails.tables import Email
from models.engagement.replies import EmailReply
from models.people.bounces import BouncedAddress
from models.people.tables import Person
from models.tasks.tables import Task
from models.teams.tables import Team, User
from models.templates.tables import Template

M = TypeVar("M", bound=Model)


def _tasks_by_email() -> DataLoader[int, list[Task]]:
    # Follow-ups of a page of emails in one query; the resolver applies task visibility.
    async def load(ids: Sequence[int]) -> list[list[Task]]:
        found: dict[int, list[Task]] = {pk: [] for pk in ids}
        for task in await Task.filter(email_id__in=list(ids)).order_by("due_at", "id"):
            if task.email_id is not None:
                found[task.email_id].append(task)
        return [found[pk] for pk in ids]

    return DataLoader(load_fn=load)


def _bounced_addresses() -> DataLoader[tuple[int, str], BouncedAddress | None]:
    # Person.deliverability of a page of people in one query (keys: team id, lower-cased address).
    async def load(keys: Sequence[tuple[int, str]]) -> list[BouncedAddress | None]:
        teams = {team for team, _ in keys}
        addresses = sorted({address for _, address in keys})
        rows = await BouncedAddress.filter(team_id__in=teams, address__in=addresses)
        found = {(row.team_id, row.address): row for row in rows}
        return [found.get(key) for key in keys]

    return DataLoader(load_fn=load)


def _replies_by_email() -> DataLoader[int, list[EmailReply]]:
    async def load(ids: Sequence[int]) -> list[list[EmailReply]]:
        found: dict[int, list[EmailReply]] = {pk: [] for pk in ids}
        rows = await EmailReply.filter(email_id__in=list(ids)).order_by("received_at", "id")
        for reply in rows:
            found[reply.email_id].append(reply)
        return [found[pk] for pk in ids]

    return DataLoader(load_fn=load)


def _by_id(model: type[M]) -> DataLoader[int, M | None]:
    async def load(ids: Sequence[int]) -> list[M | None]:
        rows = {row.pk: row for row in await model.filter(id__in=list(ids))}
        return [rows.get(pk) for pk in ids]

    return DataLoader(load_fn=load)


class Loaders:
    """Loaders for rows the caller already reached through a scoped query (same team)."""

    def __init__(self) -> None:
        self.user: DataLoader[int, User | None] = _by_id(User)
        self.team: DataLoader[int, Team | None] = _by_id(Team)
        self.person: DataLoader[int, Person | None] = _by_id(Person)
        self.campaign: DataLoader[int, Campaign | None] = _by_id(Campaign)
        # Visibility (shared or own) is checked by the caller: see graph/emails/types.py.
        self.template: DataLoader[int, Template | None] = _by_id(Template)
        # Visibility is checked by the caller (EmailEvent.email in graph/emails/types.py).
        self.email: DataLoader[int, Email | None] = _by_id(Email)
        self.email_tasks: DataLoader[int, list[Task]] = _tasks_by_email()
        self.email_replies: DataLoader[int, list[EmailReply]] = _replies_by_email()
        self.bounced_address: DataLoader[tuple[int, str], BouncedAddress | None] = (
            _bounced_addresses()
        )
