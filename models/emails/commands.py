"""What users do to emails: compose, edit, schedule, send now, archive, retry, delete.

Each command loads the email through the caller's scope, checks the input, and moves it through the
state machine (`transitions.apply`), so GraphQL and workers share the same rules.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from config.settings import get_settings
from models.base import clock, hooks
from models.base.addresses import normalise_address, normalise_addresses
from models.base.errors import DomainError, ErrorCode, ValidationErrors
from models.base.text import bad_character, invalid_character
from models.emails import sendable, transitions
from models.emails.state_machine import Action, plan
from models.emails.tables import BulkKind, Email, EmailStatus
from models.sending import rules as sending
from models.teams import scope
from models.teams.tables import User
from models.templates.tables import Template

MAX_SUBJECT = 998  # RFC 5322 line limit
MAX_BODY = 1_000_000
MAX_SCHEDULE_AHEAD = timedelta(days=366)


@dataclass
class DraftFields:
    """Fields of a draft; `None` means "leave as is" on update."""

    person_id: int | None = None
    campaign_id: int | None = None
    to: list[str] | None = None
    cc: list[str] | None = None
    bcc: list[str] | None = None
    subject: str | None = None
    body_html: str | None = None
    body_text: str | None = None
    # Copies the template's subject and bodies, except those given explicitly.
    template_id: int | None = None
    clear: set[str] = field(default_factory=set)  # "person", "campaign": set to null


def new_message_id() -> str:
    return f"<{uuid.uuid4().hex}@{get_settings().message_id_domain}>"


def check_content(fields: Any, values: dict[str, Any]) -> list[DomainError]:
    """The subject and bodies given in `fields` (a draft's or a template's): each valid one goes
    into `values`; the problems are returned, each naming its field."""
    problems: list[DomainError] = []
    if fields.subject is not None:
        if len(fields.subject) > MAX_SUBJECT:
            problems.append(
                DomainError(ErrorCode.TOO_LONG, f"At most {MAX_SUBJECT} characters.", "subject")
            )
        elif "\n" in fields.subject or "\r" in fields.subject:
            problems.append(
                DomainError(ErrorCode.INVALID_INPUT, "A subject is one line.", "subject")
            )
        elif (char := bad_character(fields.subject)) is not None:
            problems.append(invalid_character(char, "subject"))
        else:
            values["subject"] = fields.subject
    for name, column in (("bodyHtml", "body_html"), ("bodyText", "body_text")):
        body = getattr(fields, column)
        if body is not None:
            if len(body) > MAX_BODY:
                problems.append(DomainError(ErrorCode.TOO_LONG, "The body is too long.", name))
            elif (char := bad_character(body, multiline=True)) is not None:
                problems.append(invalid_character(char, name))
            else:
                values[column] = body
    return problems


async def _validated(viewer: User, fields: DraftFields) -> dict[str, Any]:
    """Column values for the given fields, or every problem at once (nothing is written)."""
    values: dict[str, Any] = {}
    problems: list[DomainError] = []

    async def check(fn: Any, *args: Any) -> Any:
        try:
            return await fn(*args) if callable(fn) else fn
        except DomainError as error:
            problems.append(error)
            return None

    if fields.person_id is not None:
        person = await check(scope.get_person, viewer, fields.person_id, "personId")
        if person is not None:
            values["person_id"] = person.id
            values["_person_email"] = person.email
    elif "person" in fields.clear:
        values["person_id"] = None
    if fields.campaign_id is not None:
        campaign = await check(scope.get_campaign, viewer, fields.campaign_id, "campaignId")
        if campaign is not None:
            values["campaign_id"] = campaign.id
    elif "campaign" in fields.clear:
        values["campaign_id"] = None
    if fields.template_id is not None:
        template = await check(scope.get_template, viewer, fields.template_id, "templateId")
        if template is not None:
            values["template_id"] = template.id
            fields = _with_template(fields, template)
    for name, column in (("to", "to_addresses"), ("cc", "cc_addresses"), ("bcc", "bcc_addresses")):
        raws = getattr(fields, name)
        if raws is not None:
            try:
                values[column] = normalise_addresses(raws, name)
            except DomainError as error:
                problems.append(error)
    problems.extend(check_content(fields, values))
    if problems:
        raise ValidationErrors(problems)
    return values


def _with_template(fields: DraftFields, template: Template) -> DraftFields:
    return replace(
        fields,
        subject=template.subject if fields.subject is None else fields.subject,
        body_html=template.body_html if fields.body_html is None else fields.body_html,
        body_text=template.body_text if fields.body_text is None else fields.body_text,
    )


# Shared with bulk sends, which check their fields exactly as drafts are checked.
validated_fields = _validated


def _recipients_text(to: list[str], cc: list[str], bcc: list[str]) -> str:
    return ", ".join([*to, *cc, *bcc]).lower()[:4000]


async def create_draft(viewer: User, fields: DraftFields) -> Email:
    values = await _validated(viewer, fields)
    person_email = values.pop("_person_email", None)
    to = values.get("to_addresses") or ([person_email] if person_email else [])
    cc, bcc = values.get("cc_addresses", []), values.get("bcc_addresses", [])
    await sendable.check_deliverable(viewer.team_id, [*to, *cc, *bcc], _recipient_field(fields))
    at = clock.now()
    async with in_transaction() as conn:
        email = await Email.create(
            team_id=viewer.team_id,
            owner_id=viewer.id,
            person_id=values.get("person_id"),
            campaign_id=values.get("campaign_id"),
            template_id=values.get("template_id"),
            to_addresses=to,
            cc_addresses=cc,
            bcc_addresses=bcc,
            recipients_text=_recipients_text(to, cc, bcc),
            subject=values.get("subject", ""),
            body_html=values.get("body_html", ""),
            body_text=values.get("body_text", ""),
            status=EmailStatus.DRAFT,
            status_at=at,
            bulk_kind=BulkKind.SINGLE,
            message_id=new_message_id(),
            created_at=at,
            updated_at=at,
            using_db=conn,
        )
        event = await transitions.record_created(email, viewer, conn)
    await hooks.events_committed([event])
    return email


def _recipient_field(fields: DraftFields) -> str:
    return "personId" if fields.to is None and fields.person_id is not None else "to"


async def update_draft(
    viewer: User, email_id: int, fields: DraftFields, expected_version: int | None
) -> Email:
    email = await scope.get_email(viewer, email_id)
    values = await _validated(viewer, fields)
    person_email = values.pop("_person_email", None)
    if "to_addresses" not in values and person_email and not email.to_addresses:
        values["to_addresses"] = [person_email]
    to = values.get("to_addresses", email.to_addresses)
    cc = values.get("cc_addresses", email.cc_addresses)
    bcc = values.get("bcc_addresses", email.bcc_addresses)
    values["recipients_text"] = _recipients_text(to, cc, bcc)
    new = {"to_addresses": to, "cc_addresses": cc, "bcc_addresses": bcc}
    # Only addresses this edit sets are checked: an unrelated edit of an older draft still works.
    added = [a for column, addresses in new.items() if column in values for a in addresses]
    await sendable.check_deliverable(email.team_id, added, _recipient_field(fields))
    changed = sorted(k for k in values if k != "recipients_text")
    updated = await transitions.apply(
        email,
        Action.EDIT,
        viewer,
        expected_version=expected_version,
        changes=values,
        data={"fields": changed},
    )
    assert updated is not None
    return updated


def check_send_at(send_at: datetime, field: str = "sendAt") -> datetime:
    if send_at.tzinfo is None or send_at.utcoffset() is None:
        raise DomainError(
            ErrorCode.TIMEZONE_REQUIRED,
            "Give the send time with a time zone, e.g. 2026-12-01T09:00:00+01:00.",
            field,
        )
    now = clock.now()
    if send_at <= now:
        raise DomainError(ErrorCode.NOT_IN_FUTURE, "The send time must be in the future.", field)
    if send_at > now + MAX_SCHEDULE_AHEAD:
        raise DomainError(
            ErrorCode.INVALID_INPUT, "The send time must be within a year from now.", field
        )
    return send_at


async def schedule_email(
    viewer: User, email_id: int, send_at: datetime, expected_version: int | None
) -> Email:
    email = await scope.get_email(viewer, email_id)
    send_at = check_send_at(send_at)
    action = Action.RESCHEDULE if email.status is EmailStatus.SCHEDULED else Action.SCHEDULE
    if email.status in (EmailStatus.DRAFT, EmailStatus.SCHEDULED):
        await sendable.check_sendable(email)
    await sending.check_daily_quota(viewer, send_at, "sendAt")
    return await _move(email, action, viewer, expected_version, {"scheduled_at": send_at})


async def send_email_now(viewer: User, email_id: int, expected_version: int | None) -> Email:
    email = await scope.get_email(viewer, email_id)
    if email.status in (EmailStatus.DRAFT, EmailStatus.SCHEDULED):
        await sendable.check_sendable(email)
    await sending.check_daily_quota(viewer, clock.now())
    return await _move(
        email, Action.SEND_NOW, viewer, expected_version, {"scheduled_at": clock.now()}
    )


async def unschedule_email(viewer: User, email_id: int, expected_version: int | None) -> Email:
    email = await scope.get_email(viewer, email_id)
    return await _move(email, Action.UNSCHEDULE, viewer, expected_version, {"scheduled_at": None})


async def archive_email(viewer: User, email_id: int, expected_version: int | None) -> Email:
    email = await scope.get_email(viewer, email_id)
    return await _move(
        email, Action.ARCHIVE, viewer, expected_version, {"archived_at": clock.now()}
    )


async def unarchive_email(viewer: User, email_id: int, expected_version: int | None) -> Email:
    email = await scope.get_email(viewer, email_id)
    return await _move(email, Action.UNARCHIVE, viewer, expected_version, {"archived_at": None})


async def retry_email(viewer: User, email_id: int, expected_version: int | None) -> Email:
    email = await scope.get_email(viewer, email_id)
    plan(email, Action.RETRY)  # a refusal by the rules comes first (SPAM: the recipient complained)
    await sendable.check_deliverable(email.team_id, sendable.recipients_of(email))
    await sending.check_daily_quota(viewer, clock.now())
    previous_failure = {"failureCode": email.failure_code, "failureDetail": email.failure_detail}
    changes = {
        "scheduled_at": clock.now(),
        "failure_code": None,
        "failure_detail": None,
        **_as_written(email),
    }
    updated = await transitions.apply(
        email,
        Action.RETRY,
        viewer,
        expected_version=expected_version,
        changes=changes,
        data=previous_failure,
    )
    assert updated is not None
    return updated


def _as_written(email: Email) -> dict[str, Any]:
    """A rendered email going out again gets its text as written back (rendered afresh at send
    time: a value that looks like a merge tag is never read as one), and its source is cleared."""
    if email.source_subject is None:
        return {}
    return {
        "subject": email.source_subject,
        "body_html": email.source_body_html or "",
        "body_text": email.source_body_text or "",
        "source_subject": None,
        "source_body_html": None,
        "source_body_text": None,
    }


async def delete_email(viewer: User, email_id: int, expected_version: int | None) -> int:
    email = await scope.get_email(viewer, email_id)
    await transitions.apply(email, Action.DELETE, viewer, expected_version=expected_version)
    return email.id


async def _move(
    email: Email,
    action: Action,
    viewer: User,
    expected_version: int | None,
    changes: dict[str, Any],
) -> Email:
    updated = await transitions.apply(
        email, action, viewer, expected_version=expected_version, changes=changes
    )
    assert updated is not None
    return updated


__all__ = [
    "DraftFields",
    "archive_email",
    "check_send_at",
    "create_draft",
    "delete_email",
    "normalise_address",
    "retry_email",
    "schedule_email",
    "send_email_now",
    "unarchive_email",
    "unschedule_email",
    "update_draft",
]
