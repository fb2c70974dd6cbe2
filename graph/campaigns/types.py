"""GraphQL types for campaigns: the campaign, its steps, its members and their history, stats."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph.context import Info
from graph.errors import or_query_error
from graph.people.types import Person
from graph.relay import Connection, Node, decode_id, to_global_id
from graph.users.types import User, load_user
from models.base.errors import DomainError, ErrorCode
from models.base.pagination import Order, paginate
from models.campaigns import rules, stats
from models.campaigns.launches import AddStatus
from models.campaigns.tables import Campaign as CampaignRow
from models.campaigns.tables import CampaignMembership as MembershipRow
from models.campaigns.tables import CampaignMembershipEvent as MembershipEventRow
from models.campaigns.tables import CampaignStatus, MembershipEventKind, MembershipState, StepKind
from models.campaigns.tables import CampaignStep as StepRow
from models.teams.working_hours import WEEK, Weekday

strawberry.enum(
    CampaignStatus, name="CampaignStatus", description="DRAFT → ACTIVE ⇄ PAUSED → ARCHIVED."
)
strawberry.enum(StepKind, name="CampaignStepKind", description="What a step does for each person.")
strawberry.enum(MembershipState, name="CampaignMembershipState")
strawberry.enum(MembershipEventKind, name="CampaignMembershipChangeKind")
strawberry.enum(AddStatus, name="CampaignAddStatus", description="What happened to one person.")

MEMBER_ORDER = Order("id", descending=False)


def hhmm(minutes: int | None) -> str | None:
    return None if minutes is None else f"{minutes // 60:02d}:{minutes % 60:02d}"


def minutes_of(value: str, field: str) -> int:
    """'HH:MM' (24-hour clock; '24:00' ends a day) as minutes after midnight."""
    hours, _, mins = value.strip().partition(":")
    if not (hours.isdigit() and mins.isdigit() and len(mins) == 2):
        raise DomainError(ErrorCode.INVALID_INPUT, "A time is written HH:MM, e.g. 08:30.", field)
    total = int(hours) * 60 + int(mins)
    if int(mins) > 59 or total > 24 * 60:
        raise DomainError(ErrorCode.INVALID_INPUT, "A time is 00:00–24:00.", field)
    return total


@strawberry.type(description="When step emails go out, in the prospect's time zone if known.")
class SendWindow:
    days: list[Weekday]
    start_time: str = strawberry.field(description="HH:MM, inclusive.")
    end_time: str = strawberry.field(description="HH:MM, exclusive.")


@strawberry.type(description="One step of a campaign.")
class CampaignStep(Node):
    row: strawberry.Private[StepRow]
    position: int = strawberry.field(description="1-based order in the campaign.")
    kind: StepKind
    delay_days: int = strawberry.field(
        description="Days after the previous step (business days if the campaign skips weekends)."
    )
    time_of_day: str | None = strawberry.field(description="HH:MM local time, or null.")
    subject: str
    body_html: str
    body_text: str
    reply_in_thread: bool = strawberry.field(description="Sent as 'Re:' the previous step's email.")
    title: str = strawberry.field(description="The task's title (task and manual email steps).")
    details: str

    @classmethod
    def of(cls, row: StepRow) -> CampaignStep:
        return cls(
            id=to_global_id("CampaignStep", row.id),
            row=row,
            position=row.position,
            kind=row.kind,
            delay_days=row.delay_days,
            time_of_day=hhmm(row.time_of_day),
            subject=row.subject,
            body_html=row.body_html,
            body_text=row.body_text,
            reply_in_thread=row.reply_in_thread,
            title=row.title,
            details=row.details,
        )

    @strawberry.field
    def template_id(self) -> strawberry.ID | None:
        pk = self.row.template_id
        return None if pk is None else to_global_id("Template", pk)


@strawberry.type(description="A change of a membership: joined, step run, paused, stopped…")
class CampaignMembershipChange:
    row: strawberry.Private[MembershipEventRow]
    cursor: str = strawberry.field(description="Pass the last one seen as `since` to catch up.")
    kind: MembershipEventKind
    state: MembershipState = strawberry.field(description="The membership's state after it.")
    step: int = strawberry.field(description="The next step to run after it.")
    reason: str | None = strawberry.field(
        description="Why it stopped or paused: REPLIED, BOUNCED, UNSUBSCRIBED, SPAM_COMPLAINT, "
        "REMOVED, PAUSED, CAMPAIGN_PAUSED, CAMPAIGN_ARCHIVED…"
    )
    occurred_at: datetime

    @classmethod
    def of(cls, row: MembershipEventRow) -> CampaignMembershipChange:
        return cls(
            row=row,
            cursor=str(row.id),
            kind=row.kind,
            state=row.state,
            step=row.step,
            reason=row.reason,
            occurred_at=row.occurred_at,
        )

    @strawberry.field
    def membership_id(self) -> strawberry.ID:
        return to_global_id("CampaignMembership", self.row.membership_id)

    @strawberry.field
    def person_id(self) -> strawberry.ID:
        return to_global_id("Person", self.row.person_id)

    @strawberry.field(description="The step that ran, for STEP_ADVANCED and STEP_SENT.")
    def step_run(self) -> int | None:
        value = self.row.data.get("step")
        return value if isinstance(value, int) else None


@strawberry.type(description="One person in a campaign.")
class CampaignMembership(Node):
    row: strawberry.Private[MembershipRow]
    state: MembershipState
    current_step: int = strawberry.field(
        description="The next step to run (1-based); steps done = currentStep - 1."
    )
    next_due_at: datetime | None = strawberry.field(
        description="When the next step runs (null when not active, or waiting on a task)."
    )
    stop_reason: str | None
    added_at: datetime
    ended_at: datetime | None

    @classmethod
    def of(cls, row: MembershipRow) -> CampaignMembership:
        return cls(
            id=to_global_id("CampaignMembership", row.id),
            row=row,
            state=row.state,
            current_step=row.step,
            next_due_at=row.next_due_at,
            stop_reason=row.stop_reason,
            added_at=row.added_at,
            ended_at=row.ended_at,
        )

    @strawberry.field
    async def person(self, info: Info) -> Person | None:
        row = await info.context.loaders.person.load(self.row.person_id)
        return Person.of(row) if row else None

    @strawberry.field(description="Who added the person: the emails come from them.")
    async def sender(self, info: Info) -> User | None:
        return await load_user(info, self.row.sender_id)

    @strawberry.field
    async def campaign(self, info: Info) -> Campaign | None:
        row = await info.context.loaders.campaign.load(self.row.campaign_id)
        return Campaign.of(row) if row else None

    @strawberry.field(description="Every change, oldest first.")
    async def history(self) -> list[CampaignMembershipChange]:
        rows = await MembershipEventRow.filter(membership_id=self.row.id).order_by("id")
        return [CampaignMembershipChange.of(r) for r in rows]


@strawberry.type(description="Numbers of one step, or of the whole campaign (step null).")
class CampaignStepStats:
    row: strawberry.Private[stats.StepStats]
    step: int | None
    people: int = strawberry.field(description="People who reached the step (in the campaign).")
    sent: int
    delivered: int
    opened: int = strawberry.field(description="Emails opened by a person (not a machine).")
    clicked: int
    replied: int
    bounced: int
    unsubscribed: int

    @classmethod
    def of(cls, row: stats.StepStats) -> CampaignStepStats:
        return cls(
            row=row,
            step=row.step,
            people=row.people,
            sent=row.sent,
            delivered=row.delivered,
            opened=row.opened,
            clicked=row.clicked,
            replied=row.replied,
            bounced=row.bounced,
            unsubscribed=row.unsubscribed,
        )

    @strawberry.field(description="opened / delivered (0 when nothing was delivered).")
    def open_rate(self) -> float:
        return self.row.rate(self.row.opened)

    @strawberry.field
    def click_rate(self) -> float:
        return self.row.rate(self.row.clicked)

    @strawberry.field
    def reply_rate(self) -> float:
        return self.row.rate(self.row.replied)

    @strawberry.field(description="bounced / sent.")
    def bounce_rate(self) -> float:
        return self.row.rate(self.row.bounced, over_sent=True)

    @strawberry.field
    def unsubscribe_rate(self) -> float:
        return self.row.rate(self.row.unsubscribed)


@strawberry.type
class CampaignStats:
    total: CampaignStepStats
    steps: list[CampaignStepStats]


@strawberry.input(description="Narrow a campaign's members; conditions combine with AND.")
class CampaignMemberFilter:
    state: MembershipState | None = None
    step: int | None = strawberry.field(default=None, description="The next step to run.")


@strawberry.type(description="A multi-step sequence; the emails it sends carry it.")
class Campaign(Node):
    row: strawberry.Private[CampaignRow]
    name: str
    status: CampaignStatus
    shared: bool = strawberry.field(description="Visible to the team; otherwise only the owner's.")
    skip_weekends: bool = strawberry.field(description="Delays count business days.")
    stop_on_any_reply: bool = strawberry.field(
        description="A reply to any of the team's emails (not only this campaign's) stops it."
    )
    exclusive: bool = strawberry.field(
        description="People active in another campaign are not added."
    )
    created_at: datetime
    updated_at: datetime | None

    @classmethod
    def of(cls, row: CampaignRow) -> Campaign:
        return cls(
            id=to_global_id("Campaign", row.id),
            row=row,
            name=row.name,
            status=row.status,
            shared=row.shared,
            skip_weekends=row.skip_weekends,
            stop_on_any_reply=row.stop_on_any_reply,
            exclusive=row.exclusive,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @strawberry.field
    def send_window(self) -> SendWindow:
        return SendWindow(
            days=[WEEK[d] for d in sorted(self.row.send_days)],
            start_time=hhmm(self.row.window_start) or "00:00",
            end_time=hhmm(self.row.window_end) or "24:00",
        )

    @strawberry.field
    async def owner(self, info: Info) -> User | None:
        return await load_user(info, self.row.owner_id)

    @strawberry.field(description="Whether the caller may edit it (owner or team admin).")
    def viewer_can_edit(self, info: Info) -> bool:
        return rules.may_edit(info.context.user, self.row)

    @strawberry.field(description="The steps, in order.")
    async def steps(self) -> list[CampaignStep]:
        rows = await StepRow.filter(campaign_id=self.row.id).order_by("position", "id")
        return [CampaignStep.of(r) for r in rows]

    @strawberry.field(description="The people in the campaign, in the order they joined.")
    async def members(
        self,
        filter: CampaignMemberFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[CampaignMembership]:
        query = MembershipRow.filter(campaign_id=self.row.id)
        if filter and filter.state is not None:
            query = query.filter(state=filter.state)
        if filter and filter.step is not None:
            query = query.filter(step=filter.step)
        page = await or_query_error(
            lambda: paginate(
                query, MEMBER_ORDER, first=first, after=after, last=last, before=before
            )
        )
        return Connection[CampaignMembership].of(page, query, CampaignMembership.of)

    @strawberry.field(description="Per step and in total: people, sent, delivered, engagement.")
    async def stats(self) -> CampaignStats:
        numbers = await stats.campaign_stats(self.row.id)
        return CampaignStats(
            total=CampaignStepStats.of(numbers.total),
            steps=[CampaignStepStats.of(s) for s in numbers.steps],
        )


def campaign_pk(global_id: str) -> int | None:
    return decode_id(global_id, "Campaign")
