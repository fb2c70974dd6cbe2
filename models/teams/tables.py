"""Teams, users and their API tokens."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Role(StrEnum):
    ADMIN = "ADMIN"  # manages the team: users, tokens; sees and acts on every team email
    TEAM_ADMIN = "TEAM_ADMIN"  # sees and acts on every team email, may "view as" a teammate
    MEMBER = "MEMBER"  # sees and acts on their own emails only


class Team(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "team"


class User(Model):
    id = fields.IntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="users", on_delete=fields.CASCADE
    )
    team_id: int
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=200, default="")
    role = fields.CharEnumField(Role, max_length=16, default=Role.MEMBER)
    timezone = fields.CharField(max_length=64, default="UTC")
    # {"days": [...], "start": "09:00", "end": "17:00"}; null = Mon–Fri 09:00–17:00
    # (models/teams/working_hours.py). Nullable so existing rows need no value.
    working_hours: dict[str, object] | None = fields.JSONField(null=True)  # type: ignore[assignment]
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "user"

    @property
    def sees_whole_team(self) -> bool:
        return self.role in (Role.ADMIN, Role.TEAM_ADMIN)


class ApiToken(Model):
    """A bearer token. Only a SHA-256 hash of the secret is stored."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="tokens", on_delete=fields.CASCADE
    )
    user_id: int
    token_hash = fields.CharField(max_length=64, unique=True)
    label = fields.CharField(max_length=100, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_token"
