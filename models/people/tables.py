"""The prospect an email goes to."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.teams.tables import Team, User


class Person(Model):
    id = fields.IntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="people", on_delete=fields.CASCADE
    )
    team_id: int
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="people", on_delete=fields.RESTRICT
    )
    owner_id: int
    email = fields.CharField(max_length=254)
    first_name = fields.CharField(max_length=100, default="")
    last_name = fields.CharField(max_length=100, default="")
    company = fields.CharField(max_length=200, default="")
    title = fields.CharField(max_length=200, default="")
    timezone = fields.CharField(max_length=64, null=True)  # IANA name; null: unknown
    country = fields.CharField(max_length=2, null=True)  # ISO 3166-1 alpha-2, upper case
    region = fields.CharField(max_length=64, null=True)  # state/province code or name
    custom_fields: dict[str, str] = fields.JSONField(default=dict)  # type: ignore[assignment]
    unsubscribed = fields.BooleanField(default=False)
    unsubscribed_at = fields.DatetimeField(null=True)
    unsubscribe_reason = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "person"
        unique_together = (("team", "email"),)
        indexes = (("team_id", "id"),)

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)
