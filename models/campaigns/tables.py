"""Campaigns (sequences): the campaign and its settings, its ordered steps, the people in it
(memberships) with their history, and one row per membership step that ran (the exactly-once key).

Sharing follows the template rules (models/campaigns/rules.py). A membership's `step` is the
1-based position of the NEXT step to run; `next_due_at` is when (null while it waits on a manual
email task or is not active). Emails and tasks are referenced by plain ids: the email table already
points here (Email.campaign), and a foreign key back would make the modules import each other.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from models.people.tables import Person
from models.teams.tables import Team, User

WEEKDAYS = (0, 1, 2, 3, 4)  # Monday..Friday (date.weekday())


def weekdays() -> list[int]:
    """The default send days (a module-level function: migrations serialise it)."""
    return list(WEEKDAYS)


class CampaignStatus(StrEnum):
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    ARCHIVED = "ARCHIVED"


class StepKind(StrEnum):
    AUTO_EMAIL = "AUTO_EMAIL"
    MANUAL_EMAIL = "MANUAL_EMAIL"
    CALL = "CALL"
    INMAIL = "INMAIL"
    CUSTOM = "CUSTOM"


EMAIL_KINDS = (StepKind.AUTO_EMAIL, StepKind.MANUAL_EMAIL)


class MembershipState(StrEnum):
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    FINISHED = "FINISHED"
    REPLIED = "REPLIED"
    BOUNCED = "BOUNCED"
    UNSUBSCRIBED = "UNSUBSCRIBED"
    REMOVED = "REMOVED"


LIVE_STATES = (MembershipState.ACTIVE, MembershipState.PAUSED)


class MembershipEventKind(StrEnum):
    ADDED = "ADDED"
    STEP_ADVANCED = "STEP_ADVANCED"  # a step ran: its email or task was created
    STEP_SENT = "STEP_SENT"  # a manual email step's task was completed: its email is scheduled
    PAUSED = "PAUSED"
    RESUMED = "RESUMED"
    FINISHED = "FINISHED"
    STOPPED = "STOPPED"  # replied, bounced, unsubscribed, removed: `reason` says which


class Campaign(Model):
    @property
    def send_days(self) -> list[int]:
        return list(self.window_days) if self.window_days else weekdays()

    id = fields.IntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "models.Team", related_name="campaigns", on_delete=fields.CASCADE
    )
    team_id: int
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="campaigns", on_delete=fields.RESTRICT
    )
    owner_id: int
    name = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)
    status = fields.CharEnumField(
        CampaignStatus, max_length=16, default=CampaignStatus.DRAFT, db_default="DRAFT"
    )
    shared = fields.BooleanField(default=True, db_default=True)
    # Send window, in the prospect's time zone (else the sender's): weekdays 0=Monday..6, and
    # minutes after local midnight [start, end). Null days (rows older than the column): Mon–Fri.
    window_days: list[int] | None = fields.JSONField(default=weekdays, null=True)  # type: ignore[assignment]
    window_start = fields.IntField(default=8 * 60, db_default=8 * 60)
    window_end = fields.IntField(default=18 * 60, db_default=18 * 60)
    skip_weekends = fields.BooleanField(default=True, db_default=True)  # delays count business days
    stop_on_any_reply = fields.BooleanField(
        default=False, db_default=False
    )  # a reply to any team email stops it
    exclusive = fields.BooleanField(
        default=False, db_default=False
    )  # refuse people active in another campaign
    updated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "campaign"
        indexes = (Index(fields=("team_id", "name", "id")),)


class CampaignStep(Model):
    id = fields.IntField(primary_key=True)
    campaign: fields.ForeignKeyRelation[Campaign] = fields.ForeignKeyField(
        "models.Campaign", related_name="steps", on_delete=fields.CASCADE
    )
    campaign_id: int
    position = fields.IntField()  # 1-based, contiguous
    kind = fields.CharEnumField(StepKind, max_length=16)
    delay_days = fields.IntField(default=0)  # after the previous step (after joining, for step 1)
    time_of_day = fields.IntField(null=True)  # minutes after local midnight
    template_id = fields.IntField(null=True)  # the template the text was copied from
    subject = fields.CharField(max_length=998, default="")
    body_html = fields.TextField(default="")
    body_text = fields.TextField(default="")
    reply_in_thread = fields.BooleanField(default=False)  # "Re:" the previous step's email
    title = fields.CharField(max_length=200, default="")  # the task's title (task steps)
    details = fields.TextField(default="")  # talk track, notes
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "campaign_step"
        indexes = (Index(fields=("campaign_id", "position")),)


class CampaignMembership(Model):
    id = fields.IntField(primary_key=True)
    team_id = fields.IntField()
    campaign: fields.ForeignKeyRelation[Campaign] = fields.ForeignKeyField(
        "models.Campaign", related_name="memberships", on_delete=fields.CASCADE
    )
    campaign_id: int
    person: fields.ForeignKeyRelation[Person] = fields.ForeignKeyField(
        "models.Person", related_name="campaign_memberships", on_delete=fields.CASCADE
    )
    person_id: int
    # Who the emails come from and whose list the tasks go on: whoever added the person.
    sender: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="campaign_memberships", on_delete=fields.RESTRICT
    )
    sender_id: int
    state = fields.CharEnumField(MembershipState, max_length=16, default=MembershipState.ACTIVE)
    step = fields.IntField(default=1)  # the next step to run
    next_due_at = fields.DatetimeField(null=True)
    # The previous step's due time: the next delay counts from it.
    last_due_at = fields.DatetimeField(null=True)
    dispatch_after = fields.DatetimeField(null=True)  # no new advance message before this time
    waiting_task_id = fields.IntField(null=True)  # a manual email step waiting on its task
    stop_reason = fields.CharField(max_length=32, null=True)
    added_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)
    version = fields.IntField(default=1)

    class Meta:
        table = "campaign_membership"
        unique_together = (("campaign_id", "person_id"),)
        indexes = (
            # The due-step sweep reads only due ACTIVE rows, whatever the table's size.
            Index(fields=("state", "next_due_at")),
            Index(fields=("campaign_id", "state", "step", "id")),
            Index(fields=("person_id", "state")),
        )


# One membership step that ran. Unique per (membership, step): however many messages,
# dispatchers or retries reach it, one insert wins and creates the step's email or task.
class CampaignStepRun(Model):
    id = fields.IntField(primary_key=True)
    membership: fields.ForeignKeyRelation[CampaignMembership] = fields.ForeignKeyField(
        "models.CampaignMembership", related_name="runs", on_delete=fields.CASCADE
    )
    membership_id: int
    campaign_id = fields.IntField()
    step = fields.IntField()
    kind = fields.CharEnumField(StepKind, max_length=16)
    email_id = fields.IntField(null=True)
    task_id = fields.IntField(null=True)
    message_id = fields.CharField(max_length=255, null=True)  # the email's, for threading
    subject = fields.CharField(max_length=998, default="")  # a manual email's prepared text
    body_html = fields.TextField(default="")
    body_text = fields.TextField(default="")
    created_at = fields.DatetimeField()

    class Meta:
        table = "campaign_step_run"
        unique_together = (("membership_id", "step"),)
        indexes = (Index(fields=("task_id",)),)


# A membership's history; the id is the `since:` cursor of campaignMembershipChanged.
class CampaignMembershipEvent(Model):
    id = fields.BigIntField(primary_key=True)
    team_id = fields.IntField()
    campaign_id = fields.IntField()
    membership_id = fields.IntField()
    person_id = fields.IntField()
    kind = fields.CharEnumField(MembershipEventKind, max_length=16)
    state = fields.CharEnumField(MembershipState, max_length=16)
    step = fields.IntField()  # the next step after the change
    reason = fields.CharField(max_length=32, null=True)
    actor_id = fields.IntField(null=True)
    occurred_at = fields.DatetimeField()
    data: dict[str, object] = fields.JSONField(default=dict)  # type: ignore[assignment]

    class Meta:
        table = "campaign_membership_event"
        indexes = (Index(fields=("campaign_id", "id")), Index(fields=("membership_id", "id")))
