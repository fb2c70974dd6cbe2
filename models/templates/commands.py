"""What users do to templates: list, read, create, edit, delete (sharing rules in
models/templates/tables).

Templates are checked like draft fields (one-line subject, length limits) so that a draft made from
a template is always valid. Merge fields are not checked here: a template is meant to contain them,
and `previewEmail` shows what they render to for a given recipient.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from models.base.errors import DomainError, ErrorCode, ValidationErrors
from models.base.pagination import Order
from models.base.text import bad_character, check_line, invalid_character
from models.emails.commands import check_content
from models.teams import scope
from models.teams.tables import User
from models.templates.tables import Template

MAX_NAME = 200
MAX_TEXT_QUERY = 200
TEMPLATE_ORDER = Order("name", descending=False)


@dataclass
class TemplateFields:
    """`None` leaves a field as it is (on update)."""

    name: str | None = None
    subject: str | None = None
    body_html: str | None = None
    body_text: str | None = None
    shared: bool | None = None


@dataclass
class TemplateFilter:
    text: str | None = None  # in the name or subject
    owner_id: int | None = None
    shared: bool | None = None


def visible_templates(viewer: User) -> QuerySet[Template]:
    return scope.visible_templates(viewer)


async def get_template(viewer: User, template_id: int, field: str = "id") -> Template:
    return await scope.get_template(viewer, template_id, field)


def template_query(viewer: User, filter: TemplateFilter | None = None) -> QuerySet[Template]:
    query = visible_templates(viewer)
    filter = filter or TemplateFilter()
    if filter.text and filter.text.strip():
        if len(filter.text) > MAX_TEXT_QUERY:
            raise DomainError(ErrorCode.TOO_LONG, "The search text is too long.", "filter.text")
        check_line(filter.text, "filter.text")
        text = filter.text.strip()
        query = query.filter(Q(name__icontains=text) | Q(subject__icontains=text))
    if filter.owner_id is not None:
        query = query.filter(owner_id=filter.owner_id)
    if filter.shared is not None:
        query = query.filter(shared=filter.shared)
    return query


def _validated(fields: TemplateFields, *, creating: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    problems: list[DomainError] = []
    if fields.name is not None:
        name = fields.name.strip()
        if not name:
            problems.append(DomainError(ErrorCode.REQUIRED, "A template needs a name.", "name"))
        elif len(name) > MAX_NAME:
            problems.append(
                DomainError(ErrorCode.TOO_LONG, f"At most {MAX_NAME} characters.", "name")
            )
        elif (char := bad_character(name)) is not None:
            problems.append(invalid_character(char, "name"))
        else:
            values["name"] = name
    elif creating:
        problems.append(DomainError(ErrorCode.REQUIRED, "A template needs a name.", "name"))
    problems.extend(check_content(fields, values))
    if fields.shared is not None:
        values["shared"] = fields.shared
    if problems:
        raise ValidationErrors(problems)
    return values


def _check_may_change(viewer: User, template: Template) -> None:
    # Visible but not theirs: a shared template of a teammate. Only team admins may change it.
    if template.owner_id != viewer.id and not viewer.sees_whole_team:
        raise DomainError(
            ErrorCode.FORBIDDEN,
            "Only the template's owner or a team admin may change a shared template.",
            "id",
        )


async def create_template(viewer: User, fields: TemplateFields) -> Template:
    values = _validated(fields, creating=True)
    return await Template.create(team_id=viewer.team_id, owner_id=viewer.id, **values)


async def update_template(viewer: User, template_id: int, fields: TemplateFields) -> Template:
    template = await get_template(viewer, template_id)
    _check_may_change(viewer, template)
    values = _validated(fields, creating=False)
    if values.get("shared") is False and template.owner_id != viewer.id:
        # Making it private would hide it from everyone but its owner, including this admin.
        raise DomainError(
            ErrorCode.FORBIDDEN, "Only the owner may make a template private.", "shared"
        )
    if values:
        template.update_from_dict(values)
        await template.save(update_fields=[*values, "updated_at"])
    return template


async def delete_template(viewer: User, template_id: int) -> int:
    """Deletes the template; emails made from it keep their text and lose the link."""
    template = await get_template(viewer, template_id)
    _check_may_change(viewer, template)
    await Template.filter(id=template.id).delete()
    return template.id
