"""Changing emails. Each mutation takes one `input` and returns the email plus `userErrors`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

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
    email: Email | None
    user_errors: list[UserError]


@strawberry.type
class DeleteEmailPayload:
    deleted_email_id: strawberry.ID | None
    user_errors: list[UserError]


@strawberry.input
class CreateDraftInput:
    person_id: strawberry.ID | None = strawberry.field(
        default=None, description="The prospect; their address is used when `to` is empty."
    )
    campaign_id: strawberry.ID | None = None
    template_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Start from this template: its subject and bodies, unless given here.",
    )
    to: list[str] | None = None
    cc: list[str] | None = None
    bcc: list[str] | None = None
    subject: str | None = None
    body_html: str | None = None
    body_text: str | None = None


@strawberry.input(description="Only the fields given change; pass null person/campaign to clear.")
class UpdateDraftInput:
    id: strawberry.ID
    version: int | None = strawberry.field(
        default=None, description="Refuse the change if the email moved past this version."
    )
    person_id: strawberry.ID | None = strawberry.UNSET
    campaign_id: strawberry.ID | None = strawberry.UNSET
    to: list[str] | None = None
    cc: list[str] | None = None
    bcc: list[str] | None = None
    subject: str | None = None
    body_html: str | None = None
    body_text: str | None = None


@strawberry.input
class ScheduleEmailInput:
    id: strawberry.ID
    send_at: datetime = strawberry.field(
        description="In the future, with a time zone; or, with `recipientTimeZone`, a local "
        "date-time without one (e.g. 2026-12-01T09:00:00)."
    )
    recipient_time_zone: bool = strawberry.field(
        default=False,
        description="Read `sendAt` as a wall-clock time in the recipient's time zone (the "
        "sender's when theirs is unknown; `sendTime` says which).",
    )
    version: int | None = None


@strawberry.type(description="How a local send time was placed on the clock.")
class LocalSendTime:
    local_time: str = strawberry.field(description="The wall-clock time asked for (ISO 8601).")
    time_zone: str
    time_zone_source: ZoneSource = strawberry.field(
        description="RECIPIENT, or SENDER when the recipient's time zone is unknown."
    )
    send_at: datetime = strawberry.field(description="The instant it means.")
    dst_adjustment: DstAdjustment = strawberry.field(
        description="GAP_SHIFTED: that time did not exist (clocks went forward), moved forward "
        "by the gap; OVERLAP_FIRST: it happened twice, the first was taken."
    )


@strawberry.type
class ScheduleEmailPayload:
    email: Email | None
    send_time: LocalSendTime | None = strawberry.field(
        description="With `recipientTimeZone`: how the local time was read."
    )
    user_errors: list[UserError]


@strawberry.input(description="Identifies an email, optionally at a version.")
class EmailActionInput:
    id: strawberry.ID
    version: int | None = strawberry.field(
        default=None, description="Refuse the change if the email moved past this version."
    )


# One input type per mutation, so each can grow on its own without breaking the others.
@strawberry.input
class UnscheduleEmailInput(EmailActionInput):
    pass


@strawberry.input
class SendEmailNowInput(EmailActionInput):
    pass


@strawberry.input
class ArchiveEmailInput(EmailActionInput):
    pass


@strawberry.input
class UnarchiveEmailInput(EmailActionInput):
    pass


@strawberry.input
class RetryEmailInput(EmailActionInput):
    pass


@strawberry.input
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
    async def create_draft(self, info: Info, input: CreateDraftInput) -> EmailPayload:
        viewer = info.context.user
        return await _payload(lambda: emails.create_draft(viewer, _draft_fields(input)))

    @strawberry.mutation(description="Edit a DRAFT.")
    async def update_draft(self, info: Info, input: UpdateDraftInput) -> EmailPayload:
        viewer = info.context.user
        return await _payload(
            lambda: emails.update_draft(
                viewer, require_id(input.id, "Email"), _draft_fields(input), input.version
            )
        )

    @strawberry.mutation(
        description="Schedule a DRAFT, or reschedule a SCHEDULED email, for a future time."
    )
    async def schedule_email(self, info: Info, input: ScheduleEmailInput) -> ScheduleEmailPayload:
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
    async def unschedule_email(self, info: Info, input: UnscheduleEmailInput) -> EmailPayload:
        return await _simple(info, emails.unschedule_email, input)

    @strawberry.mutation(description="Make a DRAFT or SCHEDULED email due immediately.")
    async def send_email_now(self, info: Info, input: SendEmailNowInput) -> EmailPayload:
        return await _simple(info, emails.send_email_now, input)

    @strawberry.mutation(description="Archive a DELIVERED email; tracking stops while archived.")
    async def archive_email(self, info: Info, input: ArchiveEmailInput) -> EmailPayload:
        return await _simple(info, emails.archive_email, input)

    @strawberry.mutation(description="Bring an ARCHIVED email back to DELIVERED; tracking resumes.")
    async def unarchive_email(self, info: Info, input: UnarchiveEmailInput) -> EmailPayload:
        return await _simple(info, emails.unarchive_email, input)

    @strawberry.mutation(description="Send a FAILED, BOUNCED or SPAM email again, due now.")
    async def retry_email(self, info: Info, input: RetryEmailInput) -> EmailPayload:
        return await _simple(info, emails.retry_email, input)

    @strawberry.mutation(description="Delete an email (not one sent by a campaign).")
    async def delete_email(self, info: Info, input: DeleteEmailInput) -> DeleteEmailPayload:
        viewer = info.context.user
        try:
            deleted = await emails.delete_email(
                viewer, require_id(input.id, "Email"), input.version
            )
        except DomainError as error:
            return DeleteEmailPayload(deleted_email_id=None, user_errors=user_errors(error))
        return DeleteEmailPayload(deleted_email_id=to_global_id("Email", deleted), user_errors=[])


__all__ = ["EmailMutations", "optional_id"]
