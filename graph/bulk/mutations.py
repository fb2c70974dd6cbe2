"""`sendBulkEmail`: Group email and Select & Send."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from graph.bulk.types import BulkRecipientResult, SendBulkEmailPayload
from graph.context import Info
from graph.errors import user_errors
from graph.relay import decode_id, optional_id
from models.base.errors import DomainError, ValidationErrors
from models.bulk import commands as bulk
from models.bulk import shapes
from models.emails.tables import BulkKind


@strawberry.input(description="Select & Send: one recipient's email, edited before it goes.")
class BulkOverrideInput:
    person_id: strawberry.ID = strawberry.field(
        description="Whose email this edits (one of `personIds`)."
    )
    subject: str | None = strawberry.field(
        default=None, description="That person's subject instead of the shared one; null keeps it."
    )
    body_html: str | None = strawberry.field(
        default=None, description="That person's HTML body instead; null keeps it."
    )
    body_text: str | None = strawberry.field(
        default=None, description="That person's text body instead; null keeps it."
    )


@strawberry.input(
    description="Subject and bodies come from `templateId` unless given here; dynamic fields are "
    "rendered for each recipient when the email is sent."
)
class SendBulkEmailInput:
    # The Python enum itself: `BulkSendKind` (graph.bulk.types) registered it with Strawberry.
    kind: shapes.BulkSendKind = strawberry.field(
        description="GROUP or SELECT_AND_SEND (limits differ)."
    )
    person_ids: list[strawberry.ID] = strawberry.field(
        description="The recipients (global person IDs); duplicates are skipped."
    )
    idempotency_key: str = strawberry.field(
        description="Any unique string (e.g. a UUID) per intended send: retrying with the same "
        "key returns the first result and creates nothing."
    )
    subject: str | None = strawberry.field(
        default=None, description="Subject with merge fields (default: the template's)."
    )
    body_html: str | None = strawberry.field(
        default=None, description="HTML body with merge fields (default: the template's)."
    )
    body_text: str | None = strawberry.field(
        default=None, description="Text body with merge fields (default: the template's)."
    )
    template_id: strawberry.ID | None = strawberry.field(
        default=None, description="Start from this template; null for the text given."
    )
    campaign_id: strawberry.ID | None = strawberry.field(
        default=None, description="The campaign the emails belong to; null for none."
    )
    send_at: datetime | None = strawberry.field(
        default=None, description="In the future, with a time zone. Default: now."
    )
    overrides: list[BulkOverrideInput] | None = strawberry.field(
        default=None, description="SELECT_AND_SEND only."
    )

    def to_domain(self) -> shapes.BulkSend:
        return shapes.BulkSend(
            kind=BulkKind(self.kind.value),
            # A malformed ID is reported like an unknown one, at its position.
            person_ids=[decode_id(pk, "Person") for pk in self.person_ids],
            idempotency_key=self.idempotency_key,
            subject=self.subject,
            body_html=self.body_html,
            body_text=self.body_text,
            template_id=optional_id(self.template_id, "Template", "templateId"),
            campaign_id=optional_id(self.campaign_id, "Campaign", "campaignId"),
            send_at=self.send_at,
            overrides=[
                shapes.Override(
                    person_id=decode_id(o.person_id, "Person"),
                    subject=o.subject,
                    body_html=o.body_html,
                    body_text=o.body_text,
                )
                for o in self.overrides or []
            ],
        )


@strawberry.type
class BulkMutations:
    @strawberry.mutation(
        description="Send one email to each of many people (never drafts; all share a groupId)."
    )
    async def send_bulk_email(
        self,
        info: Info,
        input: Annotated[
            SendBulkEmailInput,
            strawberry.argument(description="Who gets it, what it says and when."),
        ],
    ) -> SendBulkEmailPayload:
        viewer = info.context.user
        try:
            outcome = await bulk.send_bulk(viewer, input.to_domain())
        except (DomainError, ValidationErrors) as error:
            return SendBulkEmailPayload(
                group_id=None,
                results=[],
                queued_count=0,
                replayed=False,
                user_errors=user_errors(error),
            )
        results = [BulkRecipientResult.of(r) for r in outcome.results]
        return SendBulkEmailPayload(
            group_id=outcome.group_id,
            results=results,
            queued_count=sum(r.status is shapes.RecipientStatus.QUEUED for r in outcome.results),
            replayed=outcome.replayed,
            user_errors=[],
        )
