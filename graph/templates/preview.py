"""`previewEmail`: an email rendered for one recipient, with what still blocks sending."""

from __future__ import annotations

from typing import Annotated

import strawberry

from graph.context import Info
from graph.emails.types import Email
from graph.enums import describe_values
from graph.errors import or_query_error
from graph.people.types import Person
from graph.relay import optional_id
from models.emails import preview
from models.templates import merge

MergeProblemCode = strawberry.enum(
    merge.MergeProblemCode,
    name="MergeProblemCode",
    description="Why a dynamic field would block sending.",
)
describe_values(
    merge.MergeProblemCode,
    {
        merge.MergeProblemCode.UNRESOLVED_MERGE_FIELD: "A merge field has no value for this "
        "recipient and no fallback.",
        merge.MergeProblemCode.PROMPT_NOT_REPLACED: "A prompt ({{! …}}) is still in the "
        "text: the sender must write that part.",
    },
)


@strawberry.type(description="A dynamic field or prompt that would make the send fail.")
class MergeProblem:
    code: MergeProblemCode = strawberry.field(description="What kind of problem.")  # type: ignore[valid-type]
    field: str = strawberry.field(description="The field's name, or the prompt's text.")
    message: str = strawberry.field(description="Which field or prompt, for people.")


@strawberry.input(
    description="A stored email (emailId), or a composition: templateId and/or subject and "
    "bodies (which win over the template's). personId: the recipient to render for."
)
class PreviewEmailInput:
    email_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A saved email to render (its text and recipient); null to render "
        "`templateId` or the text given.",
    )
    template_id: strawberry.ID | None = strawberry.field(
        default=None, description="A template to render; null when not from a template."
    )
    person_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Render for this person; null: the saved email's person, or no one "
        "(merge fields then show as problems).",
    )
    subject: str | None = strawberry.field(
        default=None, description="Subject to render instead of the email's or template's."
    )
    body_html: str | None = strawberry.field(
        default=None, description="HTML body to render instead of the email's or template's."
    )
    body_text: str | None = strawberry.field(
        default=None, description="Text body to render instead of the email's or template's."
    )


@strawberry.type(description="What the recipient would receive. Nothing is sent or changed.")
class EmailPreview:
    subject: str = strawberry.field(description="The subject as the recipient would get it.")
    html: str = strawberry.field(
        description="The HTML body as the recipient would get it (without tracking)."
    )
    text: str = strawberry.field(description="The text body as the recipient would get it.")
    problems: list[MergeProblem] = strawberry.field(
        description="Merge fields and prompts that would block sending; empty when it can be sent."
    )
    person: Person | None = strawberry.field(
        description="The person it was rendered for; null when none was given."
    )
    email: Email | None = strawberry.field(
        description="The saved email previewed; null when previewing a template or text."
    )

    @strawberry.field(description="True when nothing blocks sending (no problems).")
    def sendable(self) -> bool:
        return not self.problems


@strawberry.type
class PreviewQueries:
    @strawberry.field(description="Render an email for a recipient, listing blocking problems.")
    async def preview_email(
        self,
        info: Info,
        input: Annotated[
            PreviewEmailInput,
            strawberry.argument(
                description="What to render (a saved email, a template, or text) and for whom."
            ),
        ],
    ) -> EmailPreview:
        viewer = info.context.user

        async def run() -> EmailPreview:
            result = await preview.preview_email(
                viewer,
                preview.PreviewRequest(
                    email_id=optional_id(input.email_id, "Email", "emailId"),
                    template_id=optional_id(input.template_id, "Template", "templateId"),
                    person_id=optional_id(input.person_id, "Person", "personId"),
                    subject=input.subject,
                    body_html=input.body_html,
                    body_text=input.body_text,
                ),
            )
            rendered = result.rendered
            return EmailPreview(
                subject=rendered.subject,
                html=rendered.html,
                text=rendered.text,
                problems=[
                    MergeProblem(
                        code=merge.MergeProblemCode(p.code), field=p.field, message=p.message
                    )
                    for p in rendered.problems
                ],
                person=Person.of(result.person) if result.person else None,
                email=Email.of(result.email) if result.email else None,
            )

        return await or_query_error(run)
