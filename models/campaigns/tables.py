"""Campaigns (sequences). Sequencing arrives later; emails already carry their campaign."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.teams.tables import Team, User


class Campaign(Model):
    id = fields.IntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="campaigns", on_delete=fields.CASCADE
    )
    team_id: int
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="campaigns", on_delete=fields.RESTRICT
    )
    owner_id: int
    name = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "campaign"
