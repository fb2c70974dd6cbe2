"""Email templates: a named subject and body with dynamic fields (see models/templates/merge.py).

A template is shared with the whole team by default (`shared=True`, as team templates are in the
reference product) or private to its owner. Teammates may use a shared template; only its owner
and team admins may change or delete it. A private template is invisible to everyone else, exactly
as if it did not exist.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from models.teams.tables import Team, User


class Template(Model):
    id = fields.IntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="templates", on_delete=fields.CASCADE
    )
    team_id: int
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="templates", on_delete=fields.RESTRICT
    )
    owner_id: int
    name = fields.CharField(max_length=200)
    subject = fields.CharField(max_length=998, default="")
    body_html = fields.TextField(default="")
    body_text = fields.TextField(default="")
    shared = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "template"
        # Names are not unique: a uniqueness error would reveal teammates' private templates.
        indexes = (Index(fields=("team_id", "name", "id")),)
