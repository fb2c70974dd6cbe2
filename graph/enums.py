"""The domain's enums, exposed to GraphQL under their schema names.

`strawberry.enum` registers a GraphQL definition on the class itself, so resolvers and inputs are
annotated with the domain classes (one source of truth, and type checkers see real enums).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

import strawberry

from models.base.errors import ErrorCode
from models.base.zones import DstAdjustment
from models.emails.folders import EmailOrderField
from models.emails.send_time import ZoneSource
from models.emails.state_machine import Action as EmailAction
from models.emails.tables import BulkKind, EmailEventKind, EmailFolder, EmailStatus
from models.search.filters import CampaignMatch, DateField, DatePreset
from models.teams.tables import Role
from models.teams.working_hours import Weekday

E = TypeVar("E", bound=Enum)


def describe_values(cls: type[E], descriptions: Mapping[E, str]) -> type[E]:
    """Give each value of an enum already registered with `strawberry.enum` its description.
    Every member needs one (KeyError at import otherwise), so a new member cannot go undocumented.
    """
    for value in cls.__strawberry_definition__.values:  # type: ignore[attr-defined]
        value.description = descriptions[cls[value.name]]
    return cls


strawberry.enum(
    EmailStatus,
    name="EmailStatus",
    description="Where an email is in its life; each status belongs to exactly one folder.",
)
strawberry.enum(EmailFolder, name="EmailFolder", description="SENT, PENDING or UNDELIVERED.")
strawberry.enum(
    BulkKind,
    name="BulkKind",
    description="A single email, or one of a Select & Send or Group send.",
)
strawberry.enum(EmailEventKind, name="EmailEventKind", description="What happened to an email.")
strawberry.enum(
    EmailAction,
    name="EmailAction",
    description="What may be done to an email (user actions are listed in availableActions).",
)
strawberry.enum(EmailOrderField, name="EmailOrderField", description="What to sort emails by.")
strawberry.enum(CampaignMatch, name="CampaignMatch", description="In any campaign, or in none.")
strawberry.enum(
    DateField, name="SearchDateField", description="Which date a search's date range applies to."
)
strawberry.enum(
    DatePreset, name="DatePreset", description="A date range in the caller's time zone."
)
strawberry.enum(Role, name="Role", description="What a user may see and do in their team.")
strawberry.enum(
    ZoneSource, name="TimeZoneSource", description="Whose time zone a local time was read in."
)
strawberry.enum(
    DstAdjustment, name="DstAdjustment", description="What a DST change did to a local time."
)
strawberry.enum(Weekday, name="Weekday", description="A day of the week.")
strawberry.enum(ErrorCode, name="UserErrorCode", description="Why a request was refused.")

S = EmailStatus
describe_values(
    EmailStatus,
    {
        S.DELIVERED: "Accepted by the recipient's mail server (folder SENT).",
        S.ARCHIVED: "Delivered, then archived by the user: opens and clicks are not recorded "
        "while archived (folder SENT).",
        S.SCHEDULED: "Waiting for its send time (`scheduledAt`); sent by the dispatcher once due "
        "(folder PENDING).",
        S.DRAFT: "Saved, not sent; only single emails can be drafts (folder PENDING).",
        S.IN_PROGRESS: "Being handed to SMTP right now; lasts seconds (folder PENDING).",
        S.FAILED: "Could not be sent: connection errors after retries, an unresolved merge field, "
        "an unsubscribed or bounced recipient… (`failureCode`, folder UNDELIVERED).",
        S.BOUNCED: "Rejected by the recipient's server, at send time or by a later bounce report "
        "(folder UNDELIVERED).",
        S.SPAM: "The recipient marked it as spam (feedback-loop report; folder UNDELIVERED).",
    },
)
describe_values(
    EmailFolder,
    {
        EmailFolder.SENT: "DELIVERED and ARCHIVED emails.",
        EmailFolder.PENDING: "SCHEDULED, DRAFT and IN_PROGRESS emails.",
        EmailFolder.UNDELIVERED: "FAILED, BOUNCED and SPAM emails.",
    },
)
describe_values(
    BulkKind,
    {
        BulkKind.SINGLE: "Written to one recipient (the only kind that can be a draft).",
        BulkKind.SELECT_AND_SEND: "One of a Select & Send: a personalised copy per recipient.",
        BulkKind.GROUP: "One of a Group email: the same message to several recipients.",
    },
)
A = EmailAction
describe_values(
    EmailAction,
    {
        A.EDIT: "Change a draft's recipient, subject or body (updateDraft).",
        A.SCHEDULE: "Give a draft a send time (scheduleEmail).",
        A.RESCHEDULE: "Move a scheduled email to another send time (scheduleEmail).",
        A.SEND_NOW: "Send a draft or scheduled email as soon as possible (sendEmailNow).",
        A.UNSCHEDULE: "Turn a scheduled email back into a draft (unscheduleEmail).",
        A.ARCHIVE: "Archive a delivered email; stops open and click tracking (archiveEmail).",
        A.UNARCHIVE: "Bring an archived email back to DELIVERED (unarchiveEmail).",
        A.RETRY: "Schedule a FAILED or BOUNCED email again, due now (retryEmail).",
        A.DELETE: "Delete it for good (deleteEmail); never for campaign emails.",
        A.CLAIM: "System only: the dispatcher claims a due email for sending (→ IN_PROGRESS).",
        A.MARK_DELIVERED: "System only: the recipient's server accepted it (→ DELIVERED).",
        A.MARK_FAILED: "System only: it could not be sent (→ FAILED).",
        A.MARK_BOUNCED: "System only: rejected at send time or by a bounce report (→ BOUNCED).",
        A.MARK_SPAM: "System only: a spam complaint arrived (→ SPAM).",
        A.RELEASE: "System only: not sent after all (relay down, a temporary failure, the "
        "worker stopped before SMTP started); back to the outbox (→ SCHEDULED).",
    },
)
K = EmailEventKind
describe_values(
    EmailEventKind,
    {
        K.CREATED: "The email was created (as a draft, or scheduled by a bulk send or campaign).",
        K.EDITED: "The draft was edited.",
        K.SCHEDULED: "It was given a send time (or sent now: due immediately).",
        K.RESCHEDULED: "Its send time was changed.",
        K.UNSCHEDULED: "It went back to being a draft.",
        K.SENDING: "The dispatcher claimed it and started handing it to SMTP.",
        K.DELIVERED: "The recipient's mail server accepted it.",
        K.FAILED: "It could not be sent (see the email's failureCode).",
        K.BOUNCED: "The recipient's server rejected it at send time.",
        K.SPAM_REPORTED: "The recipient reported it as spam (feedback-loop report).",
        K.ARCHIVED: "The user archived it.",
        K.UNARCHIVED: "The user unarchived it.",
        K.RETRIED: "It was scheduled again after failing or bouncing.",
        K.DELETED: "It was deleted.",
        K.VIEWED: "The tracking pixel was loaded (`machine` flags privacy proxies and scanners).",
        K.CLICKED: "A tracked link was followed (`url`; `machine` flags link scanners).",
        K.REPLIED: "The recipient replied (matched by thread or by address).",
        K.AUTO_REPLIED: "An automatic answer arrived (out of office, vacation…).",
        K.DELIVERY_DELAYED: "A report said delivery is delayed; the server keeps trying.",
        K.BOUNCE_REPORTED: "A bounce report (DSN) arrived after delivery.",
        K.UNSUBSCRIBED: "The recipient unsubscribed through the email's link.",
    },
)
describe_values(
    EmailOrderField,
    {
        EmailOrderField.STATUS_DATE: "The date of the current status (delivered, failed, "
        "scheduled… — whichever fits each email).",
        EmailOrderField.CREATED_AT: "When the email was created.",
        EmailOrderField.UPDATED_AT: "When the email last changed.",
    },
)
describe_values(
    CampaignMatch,
    {CampaignMatch.ANY: "Sent by some campaign.", CampaignMatch.NONE: "Sent by no campaign."},
)
describe_values(
    DateField,
    {
        DateField.STATUS_DATE: "The date that fits each email's status (delivered for SENT, "
        "scheduled for SCHEDULED, failed for UNDELIVERED…).",
        DateField.CREATED: "When the email was created.",
        DateField.SCHEDULED: "Its send time.",
        DateField.DELIVERED: "When it was delivered.",
        DateField.FAILED: "When it failed, bounced or was reported as spam.",
    },
)
describe_values(
    DatePreset,
    {
        DatePreset.TODAY: "Since midnight today, in the caller's time zone.",
        DatePreset.LAST_7_DAYS: "Today and the 6 days before it.",
        DatePreset.LAST_30_DAYS: "Today and the 29 days before it.",
        DatePreset.THIS_MONTH: "Since the first day of the current month.",
    },
)
describe_values(
    Role,
    {
        Role.ADMIN: "Manages the team (users, tokens); sees and acts on every team email.",
        Role.TEAM_ADMIN: "Sees and acts on every team email, may 'view as' a teammate.",
        Role.MEMBER: "Sees and acts on their own emails and tasks only.",
    },
)
describe_values(
    ZoneSource,
    {
        ZoneSource.RECIPIENT: "The recipient's own time zone.",
        ZoneSource.SENDER: "The sender's, because the recipient's time zone is unknown.",
    },
)
describe_values(
    DstAdjustment,
    {
        DstAdjustment.NONE: "The local time existed exactly once: used as given.",
        DstAdjustment.GAP_SHIFTED: "The local time did not exist (clocks went forward): moved "
        "forward by the gap.",
        DstAdjustment.OVERLAP_FIRST: "The local time happened twice (clocks went back): the "
        "first one was taken.",
    },
)
describe_values(
    Weekday,
    {
        Weekday.MON: "Monday.",
        Weekday.TUE: "Tuesday.",
        Weekday.WED: "Wednesday.",
        Weekday.THU: "Thursday.",
        Weekday.FRI: "Friday.",
        Weekday.SAT: "Saturday.",
        Weekday.SUN: "Sunday.",
    },
)
C = ErrorCode
describe_values(
    ErrorCode,
    {
        C.INVALID_TRANSITION: "The object's state does not allow this (see availableActions).",
        C.NOT_FOUND: "No such object, or one the caller may not see (the same answer).",
        C.CAMPAIGN_EMAIL_NOT_DELETABLE: "Emails sent by a campaign cannot be deleted.",
        C.BULK_EMAIL_CANNOT_BE_DRAFT: "Emails of a bulk send are never drafts.",
        C.STALE_VERSION: "The object changed since it was read (`expectedVersion`); re-read it.",
        C.INVALID_INPUT: "A value is malformed, out of range, contradicts another one, or "
        "contains control characters.",
        C.REQUIRED: "A needed value is missing or blank.",
        C.INVALID_EMAIL_ADDRESS: "Not a valid email address.",
        C.TOO_LONG: "Longer than the field allows (the message says the limit).",
        C.NOT_IN_FUTURE: "A send or snooze time must be in the future.",
        C.TIMEZONE_REQUIRED: "A date-time without a UTC offset, where one is required.",
        C.NO_RECIPIENT: "The email has no recipient yet.",
        C.DUPLICATE: "Something with this name or address already exists.",
        C.FORBIDDEN: "The caller's role does not allow this.",
        C.PAGE_TOO_LARGE: "`first` or `last` is over 100 (or negative).",
        C.INVALID_CURSOR: "The cursor is malformed or belongs to another list or order.",
        C.TOO_MANY_RECIPIENTS: "More recipients than a bulk send allows.",
        C.IDEMPOTENCY_KEY_REUSED: "This idempotency key was used with a different request.",
        C.UNRESOLVED_MERGE_FIELD: "A merge field has no value for a recipient and no fallback.",
        C.PROMPT_NOT_REPLACED: "A prompt ({{! …}}) was left in the text: the sender "
        "must write that part.",
        C.RECIPIENT_UNSUBSCRIBED: "The recipient has unsubscribed.",
        C.DAILY_LIMIT_REACHED: "The sender's daily send limit is reached (their calendar day).",
        C.SAVED_SEARCH_LIMIT_REACHED: "The user has the most saved searches allowed.",
        C.RECIPIENT_BOUNCED: "The address hard-bounced; the team does not send to it until "
        "a rep clears it.",
        C.RECIPIENT_COMPLAINED: "The recipient reported the team's mail as spam.",
        C.QUERY_TOO_DEEP: "The document nests fields deeper than CC_MAX_QUERY_DEPTH (fragments "
        "included); refused before execution.",
        C.TOO_MANY_ALIASES: "The document has more aliases than CC_MAX_ALIASES; refused before "
        "execution.",
        C.QUERY_TOO_LARGE: "The document has too many tokens, or too many fields once its "
        "fragments are expanded (CC_MAX_EXPANDED_FIELDS); refused before execution.",
        C.QUERY_TOO_COSTLY: "The document's static cost is over CC_MAX_QUERY_COST (README: "
        "Limits); refused before execution.",
        C.RATE_LIMITED: "The token's query budget for this minute is spent; retry after the "
        "Retry-After header's seconds.",
        C.REQUEST_TOO_LARGE: "The request body is over CC_MAX_REQUEST_BYTES.",
        C.BAD_REQUEST: "The request is not a GraphQL request this server can read (e.g. JSON "
        "nested too deep).",
        C.CAMPAIGN_ARCHIVED: "The campaign is archived: nothing about it changes any more.",
        C.CAMPAIGN_NOT_ACTIVE: "People are added to, and steps run for, active campaigns only.",
        C.CAMPAIGN_HAS_NO_STEPS: "A campaign needs at least one step to be activated.",
        C.CAMPAIGN_EMAIL_CANNOT_BE_DRAFT: "A campaign's step emails are never drafts.",
        C.REPORT_RANGE_TOO_LONG: "A report's range is longer than its interval allows (366 "
        "days by DAY, 5 × 366 days by WEEK).",
        C.SERVICE_UNAVAILABLE: "The database (or another service this request needs) cannot be "
        "reached right now; nothing was changed by the failing part. Retry after the Retry-After "
        "header's seconds (HTTP 503).",
    },
)

__all__ = [
    "BulkKind",
    "CampaignMatch",
    "DateField",
    "DatePreset",
    "DstAdjustment",
    "EmailAction",
    "EmailEventKind",
    "EmailFolder",
    "EmailOrderField",
    "EmailStatus",
    "ErrorCode",
    "Role",
    "Weekday",
    "ZoneSource",
    "describe_values",
]
