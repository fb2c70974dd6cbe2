"""A saved search: a named EmailFilter of one user, stored as JSON and re-run on every read.

It holds no result list: its emails are always the current matches (a dynamic list).
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.search.filters import EmailFilter
from models.teams.tables import Team, User


class SavedSearch(Model):
    id = fields.IntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="saved_searches", on_delete=fields.CASCADE
    )
    team_id: int
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="saved_searches", on_delete=fields.CASCADE
    )
    owner_id: int
    name = fields.CharField(max_length=200)
    conditions: dict[str, Any] = fields.JSONField(default=dict)  # type: ignore[assignment]
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "saved_search"
        unique_together = (("owner", "name"),)
        indexes = (("team_id", "owner_id", "id"),)

    @property
    def spec(self) -> EmailFilter:
        return EmailFilter.from_json(self.conditions)
