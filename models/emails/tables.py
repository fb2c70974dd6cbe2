"""Emails and their event history.

Every email has exactly one status; its folder is derived from the status (`folder_of`), never
stored. `status_at` holds the date that matters for the current status (scheduled time for
SCHEDULED, delivery time for DELIVERED…): the default sort key of every listing, always set.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from models.base import rows
from models.campaigns.tables import Campaign
from models.people.tables import Person
from models.teams.tables import Team, User
from models.templates.tables import Template


class EmailStatus(StrEnum):
    DELIVERED = "DELIVERED"
    ARCHIVED = "ARCHIVED"
    SCHEDULED = "SCHEDULED"
    DRAFT = "DRAFT"
    IN_PROGRESS = "IN_PROGRESS"
    FAILED = "FAILED"
    BOUNCED = "BOUNCED"
    SPAM = "SPAM"


class EmailFolder(StrEnum):
    SENT = "SENT"
    PENDING = "PENDING"
    UNDELIVERED = "UNDELIVERED"


FOLDER_STATUSES: dict[EmailFolder, tuple[EmailStatus, ...]] = {
    EmailFolder.SENT: (EmailStatus.DELIVERED, EmailStatus.ARCHIVED),
    EmailFolder.PENDING: (EmailStatus.SCHEDULED, EmailStatus.DRAFT, EmailStatus.IN_PROGRESS),
    EmailFolder.UNDELIVERED: (EmailStatus.FAILED, EmailStatus.BOUNCED, EmailStatus.SPAM),
}
_FOLDER_OF = {status: folder for folder, sts in FOLDER_STATUSES.items() for status in sts}


def folder_of(status: EmailStatus) -> EmailFolder:
    return _FOLDER_OF[status]


class BulkKind(StrEnum):
    SINGLE = "SINGLE"
    SELECT_AND_SEND = "SELECT_AND_SEND"
    GROUP = "GROUP"


class EmailEventKind(StrEnum):
    CREATED = "CREATED"
    EDITED = "EDITED"
    SCHEDULED = "SCHEDULED"
    RESCHEDULED = "RESCHEDULED"
    UNSCHEDULED = "UNSCHEDULED"
    SENDING = "SENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"
    BOUNCED = "BOUNCED"
    SPAM_REPORTED = "SPAM_REPORTED"
    ARCHIVED = "ARCHIVED"
    UNARCHIVED = "UNARCHIVED"
    RETRIED = "RETRIED"
    DELETED = "DELETED"
    # Engagement (models/engagement/recorders.py): recorded without a status change unless noted.
    VIEWED = "VIEWED"
    CLICKED = "CLICKED"
    REPLIED = "REPLIED"
    AUTO_REPLIED = "AUTO_REPLIED"  # out-of-office and other automatic answers: not a reply
    DELIVERY_DELAYED = "DELIVERY_DELAYED"  # a temporary-failure report (DSN "delayed")
    BOUNCE_REPORTED = "BOUNCE_REPORTED"  # a permanent failure for an email that cannot move
    UNSUBSCRIBED = "UNSUBSCRIBED"


# What the activity feed shows: the prospect's side of the conversation and delivery problems.
ENGAGEMENT_KINDS: frozenset[EmailEventKind] = frozenset(
    {
        EmailEventKind.VIEWED,
        EmailEventKind.CLICKED,
        EmailEventKind.REPLIED,
        EmailEventKind.AUTO_REPLIED,
        EmailEventKind.DELIVERY_DELAYED,
        EmailEventKind.BOUNCED,
        EmailEventKind.BOUNCE_REPORTED,
        EmailEventKind.SPAM_REPORTED,
        EmailEventKind.UNSUBSCRIBED,
    }
)


# The engagement report's columns (models/engagement/report.py), in its index's order.
REPORT_INDEX = (
    "team_id", "sent_at", "owner_id", "status", "campaign_id", "template_id", "view_count",
    "click_count", "reply_count", "machine_view_count", "machine_click_count",
)  # fmt: skip


class Email(Model):
    id = fields.IntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="emails", on_delete=fields.CASCADE
    )
    team_id: int
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="emails", on_delete=fields.RESTRICT
    )
    owner_id: int
    person: fields.ForeignKeyNullableRelation[Person] = fields.ForeignKeyField(
        "models.Person", related_name="emails", null=True, on_delete=fields.SET_NULL
    )
    person_id: int | None
    campaign: fields.ForeignKeyNullableRelation[Campaign] = fields.ForeignKeyField(
        "models.Campaign", related_name="emails", null=True, on_delete=fields.SET_NULL
    )
    campaign_id: int | None
    campaign_step = fields.IntField(null=True)  # 1-based step of the campaign that created it
    # Threading of a campaign step sent as a reply to the previous step's email.
    in_reply_to = fields.CharField(max_length=255, null=True)
    thread_references = fields.TextField(default="", db_default="")
    # The template the email was written from, if any (search filters by it).
    template: fields.ForeignKeyNullableRelation[Template] = fields.ForeignKeyField(
        "models.Template", related_name="emails", null=True, on_delete=fields.SET_NULL
    )
    template_id: int | None

    to_addresses: list[str] = fields.JSONField(default=list)  # type: ignore[assignment]
    cc_addresses: list[str] = fields.JSONField(default=list)  # type: ignore[assignment]
    bcc_addresses: list[str] = fields.JSONField(default=list)  # type: ignore[assignment]
    # Lower-cased "to, cc, bcc" for text search: JSON columns cannot be searched portably.
    recipients_text = fields.CharField(max_length=4000, default="")
    subject = fields.CharField(max_length=998, default="")
    body_html = fields.TextField(default="")
    body_text = fields.TextField(default="")
    # Once rendered for sending, subject and bodies above are what the recipient got (merge fields
    # resolved, without tracking links or pixel); these keep the text as written, for audit and
    # for a retry to render again. Null while the email was never rendered.
    source_subject = fields.CharField(max_length=998, null=True)
    source_body_html = fields.TextField(null=True)
    source_body_text = fields.TextField(null=True)

    status = fields.CharEnumField(EmailStatus, max_length=16)
    status_at = fields.DatetimeField()
    bulk_kind = fields.CharEnumField(BulkKind, max_length=16, default=BulkKind.SINGLE)
    group_id = fields.CharField(max_length=36, null=True)

    scheduled_at = fields.DatetimeField(null=True)
    sent_at = fields.DatetimeField(null=True)
    # Sending bookkeeping (models/sending/rules.py): not state, so it never bumps `version`.
    dispatch_after = fields.DatetimeField(null=True)  # no new send message before this time
    lease_expires_at = fields.DatetimeField(null=True)  # IN_PROGRESS past this: the sweep
    # Set just before MAIL FROM of the current claim: only an email whose SMTP transaction had
    # started can be DELIVERY_UNCERTAIN when its lease ends; the others go back to SCHEDULED.
    smtp_started_at = fields.DatetimeField(null=True)
    # The relay's 250 for the current claim, written at once (one cheap UPDATE); the DELIVERED
    # transition follows for the whole batch. A crash in between still ends DELIVERED.
    smtp_reply = fields.TextField(null=True)
    # Temporary failures (4xx) so far and when the first one came: backoff and CC_SEND_MAX_AGE.
    send_attempts = fields.IntField(default=0, db_default=0)
    deferred_since = fields.DatetimeField(null=True)
    delivered_at = fields.DatetimeField(null=True)
    failed_at = fields.DatetimeField(null=True)
    archived_at = fields.DatetimeField(null=True)
    failure_code = fields.CharField(max_length=64, null=True)
    failure_detail = fields.TextField(null=True)
    message_id = fields.CharField(max_length=255, unique=True)

    # Engagement. view/click counts are the human ones; likely machine opens and clicks (privacy
    # proxies, link scanners) are counted apart so "viewed" can exclude them.
    view_count = fields.IntField(default=0)
    click_count = fields.IntField(default=0)
    machine_view_count = fields.IntField(default=0)
    machine_click_count = fields.IntField(default=0)
    first_viewed_at = fields.DatetimeField(null=True)
    reply_count = fields.IntField(default=0)
    replied_at = fields.DatetimeField(null=True)  # the first reply
    last_activity_at = fields.DatetimeField(null=True)

    version = fields.IntField(default=1)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "email"
        indexes = (
            # Listings by status date: a member's own emails (every query also pins the team,
            # so team_id leads), or the whole team's for admins.
            Index(fields=("team_id", "owner_id", "status", "status_at", "id")),
            Index(fields=("team_id", "status", "status_at", "id")),
            # A folder spans several statuses: these walk the status date and test the status
            # inside the index (trailing column) instead of fetching every row to check it.
            Index(fields=("team_id", "owner_id", "status_at", "id", "status")),
            Index(fields=("team_id", "status_at", "id", "status")),
            # The engagement report (models/engagement/report.py): a team's sends in a time
            # range, with every column the aggregate reads, so it never visits the wide rows.
            # Engagement counters are in it: an open rewrites this entry too (one index more).
            Index(fields=REPORT_INDEX),
            # The dispatcher's "due now" scan.
            Index(fields=("status", "scheduled_at")),
            Index(fields=("status", "lease_expires_at")),
            Index(fields=("person_id",)),
            Index(fields=("campaign_id",)),
            Index(fields=("group_id",)),
            Index(fields=("template_id",)),
        )
        # IN_PROGRESS lasts moments: without a lease nothing would ever end it (models/sending).
        # The database refuses one too: migration 0011_leases (a CHECK on PostgreSQL,
        # triggers on SQLite, which cannot add a CHECK to an existing table in place).

    @property
    def folder(self) -> EmailFolder:
        return folder_of(self.status)

    @classmethod
    def _init_from_db(cls, **kwargs: Any) -> Email:
        # Listings load partial rows (graph/emails/columns.py): build them without Tortoise's
        # slow per-row fallback (models/base/rows.py).
        row = rows.init_from_db(cls, kwargs)
        return row if row is not None else super()._init_from_db(**kwargs)


class EmailEvent(Model):
    """One entry of an email's history. Outlives the email (no FK), so deletions stay audited."""

    id = fields.BigIntField(primary_key=True)
    team_id = fields.IntField()
    owner_id = fields.IntField()
    email_id = fields.IntField()
    kind = fields.CharEnumField(EmailEventKind, max_length=24)
    machine = fields.BooleanField(default=False)  # a likely machine open or click
    actor_id = fields.IntField(null=True)  # null: the system (dispatcher, worker, inbound)
    previous_status = fields.CharEnumField(EmailStatus, max_length=16, null=True)
    new_status = fields.CharEnumField(EmailStatus, max_length=16, null=True)
    occurred_at = fields.DatetimeField()
    data: dict[str, object] = fields.JSONField(default=dict)  # type: ignore[assignment]

    class Meta:
        table = "email_event"
        indexes = (
            Index(fields=("email_id", "id")),
            Index(fields=("team_id", "id")),
            # The activity feed: a member's own engagement, newest first.
            Index(fields=("team_id", "owner_id", "id")),
            # Search (models/search/filters.py): "viewed/clicked/replied within D days" as a
            # subquery over the team's recent events of one kind, or one email's events of one
            # kind.
            Index(fields=("team_id", "kind", "occurred_at", "email_id")),
            Index(fields=("email_id", "kind", "occurred_at")),
        )
