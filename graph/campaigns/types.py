"""GraphQL types for campaigns: the campaign, its steps, its members and their history, stats."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from graph.context import Info
from graph.enums import describe_values
from graph.errors import or_query_error
from graph.people.types import Person
from graph.relay import After, Before, Connection, First, Last, Node, decode_id, to_global_id
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
strawberry.enum(
    MembershipState,
    name="CampaignMembershipState",
    description="Where one person is in a campaign: ACTIVE or PAUSED while live, else how it "
    "ended.",
)
strawberry.enum(
    MembershipEventKind,
    name="CampaignMembershipChangeKind",
    description="What happened to a person's membership of a campaign.",
)
strawberry.enum(AddStatus, name="CampaignAddStatus", description="What happened to one person.")
describe_values(
    CampaignStatus,
    {
        CampaignStatus.DRAFT: "Being set up: steps may be edited, nobody can be added and no "
        "step runs. activateCampaign needs at least one step.",
        CampaignStatus.ACTIVE: "Running: people may be added and their steps run when due.",
        CampaignStatus.PAUSED: "No step runs; every member that was active is PAUSED (reason "
        "CAMPAIGN_PAUSED) and their pending step emails were withdrawn. People may still be "
        "added (they start PAUSED); resumeCampaign continues everyone where they were.",
        CampaignStatus.ARCHIVED: "Ended for good: every live membership ended as REMOVED, and "
        "nothing about the campaign changes any more (CAMPAIGN_ARCHIVED).",
    },
)
describe_values(
    StepKind,
    {
        StepKind.AUTO_EMAIL: "An email sent automatically when the step is due (subject and "
        "bodies with merge fields; may reply in the previous step's thread).",
        StepKind.MANUAL_EMAIL: "An EMAIL task on the sender's list holding the prepared email; "
        "completing the task sends it (due now), skipping it sends nothing. The person waits "
        "until the task is done.",
        StepKind.CALL: "A CALL task on the sender's list (title and details as talk track).",
        StepKind.INMAIL: "An INMAIL task on the sender's list: send a LinkedIn InMail.",
        StepKind.CUSTOM: "A CUSTOM task on the sender's list: anything else (the title says what).",
    },
)
describe_values(
    MembershipState,
    {
        MembershipState.ACTIVE: "Live: the next step runs at `nextDueAt` (or once a manual "
        "email task is done).",
        MembershipState.PAUSED: "Live but on hold (the person or the whole campaign was paused, "
        "or they joined a paused campaign): no step runs until resumed.",
        MembershipState.FINISHED: "Every step ran (or the remaining steps were removed).",
        MembershipState.REPLIED: "Stopped: the person replied to one of the campaign's emails "
        "(or to any team email, with stopOnAnyReply).",
        MembershipState.BOUNCED: "Stopped: an email to the person hard-bounced (in every "
        "campaign of the person).",
        MembershipState.UNSUBSCRIBED: "Stopped: the person unsubscribed or reported spam (in "
        "every campaign of the person).",
        MembershipState.REMOVED: "Stopped: removed from the campaign, or the campaign was "
        "archived.",
    },
)
E = MembershipEventKind
describe_values(
    MembershipEventKind,
    {
        E.ADDED: "The person joined the campaign (addPeopleToCampaign).",
        E.STEP_ADVANCED: "A step ran: its email was scheduled or its task was created "
        "(`stepRun` says which step).",
        E.STEP_SENT: "A manual email step's task was completed: its email was scheduled, due "
        "now (`stepRun` says which step).",
        E.PAUSED: "The person, or the whole campaign, was paused (`reason` PAUSED or "
        "CAMPAIGN_PAUSED).",
        E.RESUMED: "The membership became ACTIVE again, where it was.",
        E.FINISHED: "The last step ran, or the steps left were removed: nothing more is sent.",
        E.STOPPED: "Ended before its last step: replied, bounced, unsubscribed, spam complaint "
        "or removed (`reason` says which).",
    },
)
describe_values(
    AddStatus,
    {
        AddStatus.ADDED: "Added: a new membership, its first step due at `nextDueAt`.",
        AddStatus.ALREADY_IN_CAMPAIGN: "Not added: the person already has a membership of this "
        "campaign (whatever its state).",
        AddStatus.ACTIVE_IN_ANOTHER_CAMPAIGN: "Not added: the campaign is `exclusive` and the "
        "person is ACTIVE or PAUSED in another campaign of the team.",
        AddStatus.SKIPPED_UNSUBSCRIBED: "Not added: the person has unsubscribed.",
        AddStatus.SKIPPED_BOUNCED: "Not added: the person's address is marked undeliverable "
        "for the team (a hard bounce, or repeated soft bounces) until a rep clears it.",
        AddStatus.SKIPPED_NO_EMAIL: "Not added: the person has no email address.",
        AddStatus.SKIPPED_DUPLICATE: "Not added: the same person appeared earlier in this request.",
    },
)

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
    days: list[Weekday] = strawberry.field(
        description="The days step emails may go out, in order from Monday (with skipWeekends, "
        "SAT and SUN are closed too, unless they are the only days listed)."
    )
    start_time: str = strawberry.field(description="HH:MM, inclusive.")
    end_time: str = strawberry.field(description="HH:MM, exclusive.")


@strawberry.type(description="One step of a campaign.")
class CampaignStep(Node):
    row: strawberry.Private[StepRow]
    position: int = strawberry.field(description="1-based order in the campaign.")
    kind: StepKind = strawberry.field(description="What the step does for each person.")
    delay_days: int = strawberry.field(
        description="Days after the previous step (business days if the campaign skips weekends)."
    )
    time_of_day: str | None = strawberry.field(description="HH:MM local time, or null.")
    subject: str = strawberry.field(
        description="The email's subject, with merge fields (email steps; at most 998 "
        "characters, one line). A step replying in thread uses 'Re:' the previous step email's "
        "subject instead, when there is one. Empty when not set."
    )
    body_html: str = strawberry.field(
        description="The email's HTML body, with merge fields (email steps); empty when not set."
    )
    body_text: str = strawberry.field(
        description="The email's plain-text body, with merge fields (email steps); empty when "
        "not set."
    )
    reply_in_thread: bool = strawberry.field(description="Sent as 'Re:' the previous step's email.")
    title: str = strawberry.field(description="The task's title (task and manual email steps).")
    details: str = strawberry.field(
        description="Talk track or notes copied into the task (task and manual email steps); "
        "empty when not set."
    )

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

    @strawberry.field(
        description="Global ID of the template the subject and bodies were copied from; null "
        "when written directly. The template may have changed or gone since."
    )
    def template_id(self) -> strawberry.ID | None:
        pk = self.row.template_id
        return None if pk is None else to_global_id("Template", pk)


@strawberry.type(description="A change of a membership: joined, step run, paused, stopped…")
class CampaignMembershipChange:
    row: strawberry.Private[MembershipEventRow]
    cursor: str = strawberry.field(description="Pass the last one seen as `since` to catch up.")
    kind: MembershipEventKind = strawberry.field(description="What happened.")
    state: MembershipState = strawberry.field(description="The membership's state after it.")
    step: int = strawberry.field(description="The next step to run after it.")
    reason: str | None = strawberry.field(
        description="Why it stopped or paused: REPLIED, BOUNCED, UNSUBSCRIBED, SPAM_COMPLAINT, "
        "REMOVED, PAUSED, CAMPAIGN_PAUSED, CAMPAIGN_ARCHIVED…"
    )
    occurred_at: datetime = strawberry.field(description="When it happened, UTC.")

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

    @strawberry.field(description="Global ID of the CampaignMembership that changed.")
    def membership_id(self) -> strawberry.ID:
        return to_global_id("CampaignMembership", self.row.membership_id)

    @strawberry.field(description="Global ID of the Person whose membership it is.")
    def person_id(self) -> strawberry.ID:
        return to_global_id("Person", self.row.person_id)

    @strawberry.field(description="The step that ran, for STEP_ADVANCED and STEP_SENT.")
    def step_run(self) -> int | None:
        value = self.row.data.get("step")
        return value if isinstance(value, int) else None


@strawberry.type(description="One person in a campaign.")
class CampaignMembership(Node):
    row: strawberry.Private[MembershipRow]
    state: MembershipState = strawberry.field(description="Live (ACTIVE, PAUSED) or how it ended.")
    current_step: int = strawberry.field(
        description="The next step to run (1-based); steps done = currentStep - 1."
    )
    next_due_at: datetime | None = strawberry.field(
        description="When the next step runs (null when not active, or waiting on a task)."
    )
    stop_reason: str | None = strawberry.field(
        description="Why it is paused or ended: PAUSED, CAMPAIGN_PAUSED, REPLIED, BOUNCED, "
        "UNSUBSCRIBED, SPAM_COMPLAINT, REMOVED, CAMPAIGN_ARCHIVED, FINISHED (steps removed); null "
        "while active, and when it finished by running its last step."
    )
    added_at: datetime = strawberry.field(description="When the person joined, UTC.")
    ended_at: datetime | None = strawberry.field(
        description="When it finished or stopped, UTC; null while ACTIVE or PAUSED."
    )

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

    @strawberry.field(description="The prospect in the campaign; null if they are gone.")
    async def person(self, info: Info) -> Person | None:
        row = await info.context.loaders.person.load(self.row.person_id)
        return Person.of(row) if row else None

    @strawberry.field(description="Who added the person: the emails come from them.")
    async def sender(self, info: Info) -> User | None:
        return await load_user(info, self.row.sender_id)

    @strawberry.field(description="The campaign the person is in; null if it is gone.")
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
    step: int | None = strawberry.field(
        description="The step's 1-based position; null for the whole campaign's total."
    )
    people: int = strawberry.field(description="People who reached the step (in the campaign).")
    sent: int = strawberry.field(
        description="Step emails that left: delivered, archived, bounced or reported as spam."
    )
    delivered: int = strawberry.field(
        description="Step emails accepted by the recipient's server (delivered, archived or "
        "reported as spam)."
    )
    opened: int = strawberry.field(description="Emails opened by a person (not a machine).")
    clicked: int = strawberry.field(
        description="Emails with a tracked link followed by a person (not a link scanner)."
    )
    replied: int = strawberry.field(description="Emails the recipient replied to.")
    bounced: int = strawberry.field(
        description="Emails rejected by the recipient's server (status BOUNCED)."
    )
    unsubscribed: int = strawberry.field(
        description="Emails whose unsubscribe link the recipient followed."
    )

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

    @strawberry.field(description="clicked / delivered, 0–1 (0 when nothing was delivered).")
    def click_rate(self) -> float:
        return self.row.rate(self.row.clicked)

    @strawberry.field(description="replied / delivered, 0–1 (0 when nothing was delivered).")
    def reply_rate(self) -> float:
        return self.row.rate(self.row.replied)

    @strawberry.field(description="bounced / sent.")
    def bounce_rate(self) -> float:
        return self.row.rate(self.row.bounced, over_sent=True)

    @strawberry.field(description="unsubscribed / delivered, 0–1 (0 when nothing was delivered).")
    def unsubscribe_rate(self) -> float:
        return self.row.rate(self.row.unsubscribed)


@strawberry.type(description="A campaign's numbers: the whole campaign, and each step.")
class CampaignStats:
    total: CampaignStepStats = strawberry.field(
        description="The whole campaign (`step` null); `people` counts each person once."
    )
    steps: list[CampaignStepStats] = strawberry.field(
        description="Per step, by position; only steps that have run for someone or have "
        "emails appear."
    )


@strawberry.input(description="Narrow a campaign's members; conditions combine with AND.")
class CampaignMemberFilter:
    state: MembershipState | None = strawberry.field(
        default=None, description="Only memberships in this state; null for any."
    )
    step: int | None = strawberry.field(default=None, description="The next step to run.")


@strawberry.type(description="A multi-step sequence; the emails it sends carry it.")
class Campaign(Node):
    row: strawberry.Private[CampaignRow]
    name: str = strawberry.field(description="What the team calls it (at most 200 characters).")
    status: CampaignStatus = strawberry.field(description="Where it is in its life.")
    shared: bool = strawberry.field(description="Visible to the team; otherwise only the owner's.")
    skip_weekends: bool = strawberry.field(description="Delays count business days.")
    stop_on_any_reply: bool = strawberry.field(
        description="A reply to any of the team's emails (not only this campaign's) stops it."
    )
    exclusive: bool = strawberry.field(
        description="People active in another campaign are not added."
    )
    created_at: datetime = strawberry.field(description="When it was created, UTC.")
    updated_at: datetime | None = strawberry.field(
        description="When its settings or status last changed, UTC (its steps not included)."
    )

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

    @strawberry.field(
        description="The days and hours its step emails go out, in each prospect's time zone "
        "(else the sender's, else UTC)."
    )
    def send_window(self) -> SendWindow:
        return SendWindow(
            days=[WEEK[d] for d in sorted(self.row.send_days)],
            start_time=hhmm(self.row.window_start) or "00:00",
            end_time=hhmm(self.row.window_end) or "24:00",
        )

    @strawberry.field(
        description="The rep who created it; with a team admin, the only one who may edit it. "
        "Null if that user is gone."
    )
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
        filter: Annotated[
            CampaignMemberFilter | None,
            strawberry.argument(description="Only matching members; null for all of them."),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
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
