"""Changing emails. Each mutation takes one `input` and returns the email plus `userErrors`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated

import strawberry

from graph.context import Info
from graph.emails.types import Email
from graph.enums import DstAdjustment, ZoneSource
from graph.errors import UserError, user_errors
from graph.relay import optional_id, require_id, to_global_id
from models.base.errors import DomainError, ValidationErrors
from models.emails import commands as emails
from models.emails import send_time
from models.emails.tables import Email as EmailRow


@strawberry.type(description="The email after the mutation, or the reasons it was refused.")
class EmailPayload:
    email: Email | None = strawberry.field(
        description="The email after the change; null when the request was refused (see "
        "userErrors)."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the request was refused (then nothing changed); empty on success."
    )


@strawberry.type(description="The ID of the deleted email, or why it was not deleted.")
class DeleteEmailPayload:
    deleted_email_id: strawberry.ID | None = strawberry.field(
        description="Global ID of the deleted email; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the request was refused; empty on success."
    )


@strawberry.input(description="A new single email, saved as a DRAFT.")
class CreateDraftInput:
    person_id: strawberry.ID | None = strawberry.field(
        default=None, description="The prospect; their address is used when `to` is empty."
    )
    campaign_id: strawberry.ID | None = strawberry.field(
        default=None, description="The campaign this email belongs to; null for none."
    )
    template_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Start from this template: its subject and bodies, unless given here.",
    )
    to: list[str] | None = strawberry.field(
        default=None,
        description="Recipient addresses; empty or null: the person's address (if "
        "`personId` is given).",
    )
    cc: list[str] | None = strawberry.field(default=None, description="Carbon-copy addresses.")
    bcc: list[str] | None = strawberry.field(default=None, description="Blind-copy addresses.")
    subject: str | None = strawberry.field(
        default=None,
        description="Subject line, with merge fields if wanted (default: the template's, "
        "or empty).",
    )
    body_html: str | None = strawberry.field(
        default=None,
        description="HTML body, with merge fields if wanted (default: the template's, or empty).",
    )
    body_text: str | None = strawberry.field(
        default=None, description="Plain-text body (default: the template's, or empty)."
    )


@strawberry.input(description="Only the fields given change; pass null person/campaign to clear.")
class UpdateDraftInput:
    id: strawberry.ID = strawberry.field(description="Global ID of the draft.")
    version: int | None = strawberry.field(
        default=None, description="Refuse the change if the email moved past this version."
    )
    person_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The prospect; null removes them; omitted leaves it."
    )
    campaign_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The campaign; null removes it; omitted leaves it."
    )
    to: list[str] | None = strawberry.field(
        default=None, description="New recipient addresses; null leaves them."
    )
    cc: list[str] | None = strawberry.field(
        default=None, description="New carbon-copy addresses; null leaves them."
    )
    bcc: list[str] | None = strawberry.field(
        default=None, description="New blind-copy addresses; null leaves them."
    )
    subject: str | None = strawberry.field(default=None, description="New subject; null leaves it.")
    body_html: str | None = strawberry.field(
        default=None, description="New HTML body; null leaves it."
    )
    body_text: str | None = strawberry.field(
        default=None, description="New text body; null leaves it."
    )


@strawberry.input(description="When to send a draft or scheduled email.")
class ScheduleEmailInput:
    id: strawberry.ID = strawberry.field(description="Global ID of the draft or scheduled email.")
    send_at: datetime = strawberry.field(
        description="In the future, with a time zone; or, with `recipientTimeZone`, a local "
        "date-time without one (e.g. 2026-12-01T09:00:00)."
    )
    recipient_time_zone: bool = strawberry.field(
        default=False,
        description="Read `sendAt` as a wall-clock time in the recipient's time zone (the "
        "sender's when theirs is unknown; `sendTime` says which).",
    )
    version: int | None = strawberry.field(
        default=None,
        description="Refuse (STALE_VERSION) if the email changed since this version was "
        "read; null: no check.",
    )


@strawberry.type(description="How a local send time was placed on the clock.")
class LocalSendTime:
    local_time: str = strawberry.field(description="The wall-clock time asked for (ISO 8601).")
    time_zone: str = strawberry.field(
        description="The IANA time zone the local time was read in (e.g. Europe/Paris)."
    )
    time_zone_source: ZoneSource = strawberry.field(
        description="RECIPIENT, or SENDER when the recipient's time zone is unknown."
    )
    send_at: datetime = strawberry.field(description="The instant it means.")
    dst_adjustment: DstAdjustment = strawberry.field(
        description="GAP_SHIFTED: that time did not exist (clocks went forward), moved forward "
        "by the gap; OVERLAP_FIRST: it happened twice, the first was taken."
    )


@strawberry.type(description="The scheduled email and the local send time it was placed at.")
class ScheduleEmailPayload:
    email: Email | None = strawberry.field(
        description="The scheduled email; null when refused (see userErrors)."
    )
    send_time: LocalSendTime | None = strawberry.field(
        description="With `recipientTimeZone`: how the local time was read."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the request was refused; empty on success."
    )


@strawberry.input(description="Identifies an email, optionally at a version.")
class EmailActionInput:
    id: strawberry.ID = strawberry.field(description="Global ID of the scheduled email.")
    version: int | None = strawberry.field(
        default=None, description="Refuse the change if the email moved past this version."
    )


# One input type per mutation, so each can grow on its own without breaking the others.
@strawberry.input(description="The scheduled email to turn back into a draft.")
class UnscheduleEmailInput(EmailActionInput):
    pass


@strawberry.input(description="The email to send now.")
class SendEmailNowInput(EmailActionInput):
    pass


@strawberry.input(description="The email to archive.")
class ArchiveEmailInput(EmailActionInput):
    pass


@strawberry.input(description="The email to unarchive.")
class UnarchiveEmailInput(EmailActionInput):
    pass


@strawberry.input(description="The email to retry.")
class RetryEmailInput(EmailActionInput):
    pass


@strawberry.input(description="The email to delete.")
class DeleteEmailInput(EmailActionInput):
    pass


async def _payload(call: Callable[[], Awaitable[EmailRow]]) -> EmailPayload:
    try:
        return EmailPayload(email=Email.of(await call()), user_errors=[])
    except (DomainError, ValidationErrors) as error:
        return EmailPayload(email=None, user_errors=user_errors(error))


def _draft_fields(data: CreateDraftInput | UpdateDraftInput) -> emails.DraftFields:
    fields = emails.DraftFields(
        to=data.to,
        cc=data.cc,
        bcc=data.bcc,
        subject=data.subject,
        body_html=data.body_html,
        body_text=data.body_text,
    )
    if isinstance(data, CreateDraftInput) and data.template_id is not None:
        fields.template_id = require_id(data.template_id, "Template", "templateId")
    for name, type_name, attr in (
        ("person", "Person", "person_id"),
        ("campaign", "Campaign", "campaign_id"),
    ):
        value = getattr(data, attr)
        if value is None and isinstance(data, UpdateDraftInput):
            fields.clear.add(name)
        elif value is not None and value is not strawberry.UNSET:
            field = "personId" if name == "person" else "campaignId"
            setattr(fields, attr, require_id(value, type_name, field))
    return fields


async def _simple(
    info: Info,
    command: Callable[..., Awaitable[EmailRow]],
    input: EmailActionInput,
) -> EmailPayload:
    viewer = info.context.user
    return await _payload(lambda: command(viewer, require_id(input.id, "Email"), input.version))


@strawberry.type
class EmailMutations:
    @strawberry.mutation(description="Compose a new single email, saved as a DRAFT.")
    async def create_draft(
        self,
        info: Info,
        input: Annotated[
            CreateDraftInput,
            strawberry.argument(description="Who it is for and what it says; everything optional."),
        ],
    ) -> EmailPayload:
        viewer = info.context.user
        return await _payload(lambda: emails.create_draft(viewer, _draft_fields(input)))

    @strawberry.mutation(description="Edit a DRAFT.")
    async def update_draft(
        self,
        info: Info,
        input: Annotated[
            UpdateDraftInput,
            strawberry.argument(
                description="Which draft, and the fields to change (omitted fields stay)."
            ),
        ],
    ) -> EmailPayload:
        viewer = info.context.user
        return await _payload(
            lambda: emails.update_draft(
                viewer, require_id(input.id, "Email"), _draft_fields(input), input.version
            )
        )

    @strawberry.mutation(
        description="Schedule a DRAFT, or reschedule a SCHEDULED email, for a future time."
    )
    async def schedule_email(
        self,
        info: Info,
        input: Annotated[
            ScheduleEmailInput, strawberry.argument(description="Which email and when to send it.")
        ],
    ) -> ScheduleEmailPayload:
        viewer = info.context.user
        when: send_time.LocalSendTime | None = None
        try:
            email_id = require_id(input.id, "Email")
            if input.recipient_time_zone:
                row, when = await send_time.schedule_in_recipient_zone(
                    viewer, email_id, input.send_at, input.version
                )
            else:
                row = await emails.schedule_email(viewer, email_id, input.send_at, input.version)
        except (DomainError, ValidationErrors) as error:
            return ScheduleEmailPayload(email=None, send_time=None, user_errors=user_errors(error))
        return ScheduleEmailPayload(
            email=Email.of(row),
            send_time=None
            if when is None
            else LocalSendTime(
                local_time=when.local.isoformat(timespec="minutes"),
                time_zone=when.zone,
                time_zone_source=when.source,
                send_at=when.at,
                dst_adjustment=when.adjustment,
            ),
            user_errors=[],
        )

    @strawberry.mutation(description="Move a SCHEDULED single email back to DRAFT.")
    async def unschedule_email(
        self,
        info: Info,
        input: Annotated[
            UnscheduleEmailInput,
            strawberry.argument(description="Which scheduled email to turn back into a draft."),
        ],
    ) -> EmailPayload:
        return await _simple(info, emails.unschedule_email, input)

    @strawberry.mutation(description="Make a DRAFT or SCHEDULED email due immediately.")
    async def send_email_now(
        self,
        info: Info,
        input: Annotated[
            SendEmailNowInput,
            strawberry.argument(description="Which draft or scheduled email to send now."),
        ],
    ) -> EmailPayload:
        return await _simple(info, emails.send_email_now, input)

    @strawberry.mutation(description="Archive a DELIVERED email; tracking stops while archived.")
    async def archive_email(
        self,
        info: Info,
        input: Annotated[
            ArchiveEmailInput, strawberry.argument(description="Which delivered email to archive.")
        ],
    ) -> EmailPayload:
        return await _simple(info, emails.archive_email, input)

    @strawberry.mutation(description="Bring an ARCHIVED email back to DELIVERED; tracking resumes.")
    async def unarchive_email(
        self,
        info: Info,
        input: Annotated[
            UnarchiveEmailInput,
            strawberry.argument(description="Which archived email to bring back."),
        ],
    ) -> EmailPayload:
        return await _simple(info, emails.unarchive_email, input)

    @strawberry.mutation(description="Send a FAILED, BOUNCED or SPAM email again, due now.")
    async def retry_email(
        self,
        info: Info,
        input: Annotated[
            RetryEmailInput,
            strawberry.argument(description="Which failed or bounced email to send again."),
        ],
    ) -> EmailPayload:
        return await _simple(info, emails.retry_email, input)

    @strawberry.mutation(description="Delete an email (not one sent by a campaign).")
    async def delete_email(
        self,
        info: Info,
        input: Annotated[
            DeleteEmailInput, strawberry.argument(description="Which email to delete.")
        ],
    ) -> DeleteEmailPayload:
        viewer = info.context.user
        try:
            deleted = await emails.delete_email(
                viewer, require_id(input.id, "Email"), input.version
            )
        except DomainError as error:
            return DeleteEmailPayload(deleted_email_id=None, user_errors=user_errors(error))
        return DeleteEmailPayload(deleted_email_id=to_global_id("Email", deleted), user_errors=[])


__all__ = ["EmailMutations", "optional_id"]
