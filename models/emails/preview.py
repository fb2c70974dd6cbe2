"""Previewing an email for one recipient: what they would receive and what still blocks sending.

Read-only: nothing is written, sent or scheduled. Either a stored email (rendered as its owner will
send it, to its person or to another `person_id`) or an unsaved composition (a template and/or
inline subject and bodies, from the caller).
"""

from __future__ import annotations

from dataclasses import dataclass

from models.base.errors import DomainError, ErrorCode
from models.emails.tables import Email
from models.people.tables import Person
from models.teams import scope
from models.teams.tables import User
from models.templates import merge


@dataclass
class PreviewRequest:
    email_id: int | None = None
    template_id: int | None = None
    person_id: int | None = None
    subject: str | None = None
    body_html: str | None = None
    body_text: str | None = None


@dataclass
class Preview:
    rendered: merge.RenderResult
    person: Person | None
    email: Email | None


async def preview_email(viewer: User, request: PreviewRequest) -> Preview:
    person = (
        await scope.get_person(viewer, request.person_id, "personId")
        if request.person_id is not None
        else None
    )
    if request.email_id is not None:
        return await _stored(viewer, request, person)
    if request.template_id is None and all(
        part is None for part in (request.subject, request.body_html, request.body_text)
    ):
        raise DomainError(
            ErrorCode.REQUIRED,
            "Give an emailId, a templateId, or a subject and body to preview.",
            "emailId",
        )
    subject, body_html, body_text = "", "", ""
    if request.template_id is not None:
        template = await scope.get_template(viewer, request.template_id, "templateId")
        subject, body_html, body_text = template.subject, template.body_html, template.body_text
    rendered = merge.render_parts(
        subject if request.subject is None else request.subject,
        body_html if request.body_html is None else request.body_html,
        body_text if request.body_text is None else request.body_text,
        merge.merge_values(person, viewer),
    )
    return Preview(rendered=rendered, person=person, email=None)


async def _stored(viewer: User, request: PreviewRequest, person: Person | None) -> Preview:
    if request.template_id is not None or any(
        part is not None for part in (request.subject, request.body_html, request.body_text)
    ):
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "Preview a stored email as it is: edit it first, or preview a template instead.",
            "emailId",
        )
    try:
        email = await scope.get_email(viewer, request.email_id or 0)
    except DomainError as error:
        error.field = "emailId"
        raise
    if person is None and email.person_id is not None:
        person = await Person.get_or_none(id=email.person_id, team_id=email.team_id)
    # Rendered as it will go out: from its owner (an admin may preview a teammate's email).
    sender = viewer if email.owner_id == viewer.id else await User.get(id=email.owner_id)
    return Preview(rendered=merge.render_email(email, person, sender), person=person, email=email)
