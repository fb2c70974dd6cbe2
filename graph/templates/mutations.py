"""Creating, editing and deleting templates."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry

from graph.context import Info
from graph.errors import UserError, user_errors
from graph.relay import require_id, to_global_id
from graph.templates.types import Template
from models.base.errors import DomainError, ValidationErrors
from models.templates import commands as templates
from models.templates.tables import Template as TemplateRow


@strawberry.input(description="A new template, private to the caller until shared.")
class CreateTemplateInput:
    name: str = strawberry.field(
        description="The name shown in template pickers (need not be unique)."
    )
    subject: str = strawberry.field(
        default="", description="Subject, with merge fields and prompts."
    )
    body_html: str = strawberry.field(
        default="", description="HTML body, with merge fields and prompts."
    )
    body_text: str = strawberry.field(
        default="", description="Plain-text body, with merge fields and prompts."
    )
    shared: bool = strawberry.field(default=True, description="false: only you can see and use it.")


@strawberry.input(description="Only the fields given change.")
class UpdateTemplateInput:
    id: strawberry.ID = strawberry.field(
        description="Global ID of the template (the caller's own)."
    )
    name: str | None = strawberry.field(default=None, description="New name; null leaves it.")
    subject: str | None = strawberry.field(default=None, description="New subject; null leaves it.")
    body_html: str | None = strawberry.field(
        default=None, description="New HTML body; null leaves it."
    )
    body_text: str | None = strawberry.field(
        default=None, description="New text body; null leaves it."
    )
    shared: bool | None = strawberry.field(
        default=None,
        description="Share with the team (true) or keep private (false); null leaves it.",
    )


@strawberry.input(description="The template to delete.")
class DeleteTemplateInput:
    id: strawberry.ID = strawberry.field(
        description="Global ID of the template (the caller's own)."
    )


@strawberry.type(description="A template after a change, or why it was refused.")
class TemplatePayload:
    template: Template | None = strawberry.field(
        description="The template after the change; null when refused (see userErrors)."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the request was refused; empty on success."
    )


@strawberry.type(description="The ID of the deleted template, or why it was not deleted.")
class DeleteTemplatePayload:
    deleted_template_id: strawberry.ID | None = strawberry.field(
        description="Global ID of the deleted template; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the request was refused; empty on success."
    )


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
    async def create_template(
        self,
        info: Info,
        input: Annotated[CreateTemplateInput, strawberry.argument(description="The new template.")],
    ) -> TemplatePayload:
        viewer = info.context.user
        return await _payload(lambda: templates.create_template(viewer, _fields(input)))

    @strawberry.mutation(description="Edit a template: its owner, or a team admin if shared.")
    async def update_template(
        self,
        info: Info,
        input: Annotated[
            UpdateTemplateInput,
            strawberry.argument(
                description="Which template, and the fields to change (omitted fields stay)."
            ),
        ],
    ) -> TemplatePayload:
        viewer = info.context.user
        return await _payload(
            lambda: templates.update_template(
                viewer, require_id(input.id, "Template"), _fields(input)
            )
        )

    @strawberry.mutation(description="Delete a template; emails made from it keep their text.")
    async def delete_template(
        self,
        info: Info,
        input: Annotated[
            DeleteTemplateInput, strawberry.argument(description="Which template to delete.")
        ],
    ) -> DeleteTemplatePayload:
        viewer = info.context.user
        try:
            deleted = await templates.delete_template(viewer, require_id(input.id, "Template"))
        except DomainError as error:
            return DeleteTemplatePayload(deleted_template_id=None, user_errors=user_errors(error))
        return DeleteTemplatePayload(
            deleted_template_id=to_global_id("Template", deleted), user_errors=[]
        )
