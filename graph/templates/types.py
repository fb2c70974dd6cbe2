"""GraphQL types for templates."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph.context import Info
from graph.relay import Node, to_global_id
from graph.users.types import User, load_user
from models.templates.tables import Template as TemplateRow


@strawberry.type(
    description="A reusable subject and body with dynamic fields such as {{first_name}}. "
    "Shared with the team unless private to its owner."
)
class Template(Node):
    row: strawberry.Private[TemplateRow]
    name: str = strawberry.field(
        description="The template's name (not unique: teammates may use the same one)."
    )
    subject: str = strawberry.field(
        description='Subject with merge fields ({{first_name}}, {{first_name | default: "there"}}) '
        "and prompts ({{! write something personal }}) to replace before sending."
    )
    body_html: str = strawberry.field(description="HTML body, with merge fields and prompts.")
    body_text: str = strawberry.field(description="Plain-text body, with merge fields and prompts.")
    shared: bool = strawberry.field(
        description="Visible to the whole team; otherwise only to its owner."
    )
    created_at: datetime = strawberry.field(description="When the template was created, UTC.")
    updated_at: datetime = strawberry.field(description="When it last changed, UTC.")

    @classmethod
    def of(cls, row: TemplateRow) -> Template:
        return cls(
            id=to_global_id("Template", row.id),
            row=row,
            name=row.name,
            subject=row.subject,
            body_html=row.body_html,
            body_text=row.body_text,
            shared=row.shared,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field(description="The rep who wrote it; null if that user is gone.")
    async def owner(self, info: Info) -> User | None:
        return await load_user(info, self.row.owner_id)

    @strawberry.field(description="Whether the caller may edit or delete it (owner or team admin).")
    def viewer_can_edit(self, info: Info) -> bool:
        viewer = info.context.user
        return self.row.owner_id == viewer.id or viewer.sees_whole_team
