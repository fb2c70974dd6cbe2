"""Creating, editing and deleting templates."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry

from graph.context import Info
from graph.errors import UserError, user_errors
from graph.relay import require_id, to_global_id
from graph.templates.types import Template
from models.base.errors import DomainError, ValidationErrors
from models.templates import commands as templates
from models.templates.tables import Template as TemplateRow


@strawberry.input
class CreateTemplateInput:
    name: str
    subject: str = ""
    body_html: str = ""
    body_text: str = ""
    shared: bool = strawberry.field(default=True, description="false: only you can see and use it.")


@strawberry.input(description="Only the fields given change.")
class UpdateTemplateInput:
    id: strawberry.ID
    name: str | None = None
    subject: str | None = None
    body_html: str | None = None
    body_text: str | None = None
    shared: bool | None = None


@strawberry.input
class DeleteTemplateInput:
    id: strawberry.ID


@strawberry.type
class TemplatePayload:
    template: Template | None
    user_errors: list[UserError]


@strawberry.type
class DeleteTemplatePayload:
    deleted_template_id: strawberry.ID | None
    user_errors: list[UserError]


def _fields(data: CreateTemplateInput | UpdateTemplateInput) -> templates.TemplateFields:
    return templates.TemplateFields(
        name=data.name,
        subject=data.subject,
        body_html=data.body_html,
        body_text=data.body_text,
        shared=data.shared,
    )


async def _payload(call: Callable[[], Awaitable[TemplateRow]]) -> TemplatePayload:
    try:
        return TemplatePayload(template=Template.of(await call()), user_errors=[])
    except (DomainError, ValidationErrors) as error:
        return TemplatePayload(template=None, user_errors=user_errors(error))


@strawberry.type
class TemplateMutations:
    @strawberry.mutation(description="Save a template (shared with the team unless private).")
    async def create_template(self, info: Info, input: CreateTemplateInput) -> TemplatePayload:
        viewer = info.context.user
        return await _payload(lambda: templates.create_template(viewer, _fields(input)))

    @strawberry.mutation(description="Edit a template: its owner, or a team admin if shared.")
    async def update_template(self, info: Info, input: UpdateTemplateInput) -> TemplatePayload:
        viewer = info.context.user
        return await _payload(
            lambda: templates.update_template(
                viewer, require_id(input.id, "Template"), _fields(input)
            )
        )

    @strawberry.mutation(description="Delete a template; emails made from it keep their text.")
    async def delete_template(
        self, info: Info, input: DeleteTemplateInput
    ) -> DeleteTemplatePayload:
        viewer = info.context.user
        try:
            deleted = await templates.delete_template(viewer, require_id(input.id, "Template"))
        except DomainError as error:
            return DeleteTemplatePayload(deleted_template_id=None, user_errors=user_errors(error))
        return DeleteTemplatePayload(
            deleted_template_id=to_global_id("Template", deleted), user_errors=[]
        )
