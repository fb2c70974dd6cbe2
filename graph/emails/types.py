"""GraphQL types for emails, their history and the folder counts."""

from __future__ import annotations

from asyncio import gather
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry.scalars import JSON

from graph.campaigns.types import Campaign
from graph.context import Info
from graph.enums import (
    BulkKind,
    EmailAction,
    EmailEventKind,
    EmailFolder,
    EmailStatus,
    describe_values,
)
from graph.errors import or_query_error
from graph.people.types import Person
from graph.relay import After, Before, Connection, First, Last, Node, to_global_id
from graph.templates.types import Template
from graph.users.types import User, load_user
from models.base.pagination import Order, Page, page_of_loaded, paginate
from models.emails import folders as folder_models
from models.emails import state_machine
from models.emails import tables as email_models
from models.emails.sendable import recipients_of
from models.emails.tables import Email as EmailRow
from models.emails.tables import EmailEvent as EmailEventRow
from models.engagement import replies
from models.teams import scope
from models.teams.tables import User as UserRow

if TYPE_CHECKING:
    from graph.tasks.types import Task
    from models.tasks.tables import Task as TaskRow

EVENTS_ORDER = Order("id", descending=False)
TASKS_ORDER = Order("due_at", descending=False)  # soonest due first, as the loader reads them


@strawberry.type(description="One entry of an email's history.")
class EmailEvent(Node):
    row: strawberry.Private[EmailEventRow]
    kind: EmailEventKind = strawberry.field(description="What happened.")
    previous_status: EmailStatus | None = strawberry.field(
        description="The email's status before the event (the same as newStatus when it "
        "did not change, as for opens and clicks); null when the email was "
        "created."
    )
    new_status: EmailStatus | None = strawberry.field(
        description="Null when the email was deleted."
    )
    occurred_at: datetime = strawberry.field(description="When it happened, UTC.")
    machine: bool = strawberry.field(
        description="A likely machine open or click (privacy proxy, link scanner)."
    )
    data: JSON = strawberry.field(
        description="Details as a JSON object, depending on the kind: the `action` of a "
        "transition, `url` for CLICKED, the code and detail of a failure or "
        "bounce report. `{}` when there are none."
    )

    @classmethod
    def of(cls, row: EmailEventRow) -> EmailEvent:
        return cls(
            id=to_global_id("EmailEvent", row.id),
            row=row,
            kind=row.kind,
            previous_status=row.previous_status,
            new_status=row.new_status,
            occurred_at=row.occurred_at,
            machine=row.machine,
            data=cast(JSON, row.data),
        )

    @strawberry.field(description="Global ID of the email the event belongs to.")
    def email_id(self) -> strawberry.ID:
        return to_global_id("Email", self.row.email_id)

    @strawberry.field(
        description="The email, as it is now; null once deleted or when the caller may not see it."
    )
    async def email(self, info: Info) -> Email | None:
        row = await info.context.loaders.email.load(self.row.email_id)
        if row is None or not scope.may_see(info.context.user, row.team_id, row.owner_id):
            return None
        return Email.of(row)

    @strawberry.field(description="Who did it; null when the system did (dispatcher, worker).")
    async def actor(self, info: Info) -> User | None:
        return await load_user(info, self.row.actor_id) if self.row.actor_id else None


ReplyMatch = strawberry.enum(
    replies.ReplyMatch,
    name="ReplyMatch",
    description="How a reply was tied to the email: its thread headers, or the sender's address.",
)
describe_values(
    replies.ReplyMatch,
    {
        replies.ReplyMatch.THREAD: "Its In-Reply-To/References headers name this email.",
        replies.ReplyMatch.ADDRESS: "No thread headers matched: tied by the sender's address "
        "(or the reply address) to the latest email sent to them.",
    },
)


@strawberry.type(description="A reply to an email, as the rep reads it.")
class EmailReply:
    from_: str = strawberry.field(name="from", description="The sender's address.")
    received_at: datetime = strawberry.field(
        description="When the reply reached our inbound server, UTC."
    )
    subject: str = strawberry.field(description="The reply's subject line.")
    text: str = strawberry.field(description="The reply's own words, without the quoted original.")
    snippet: str = strawberry.field(description="The start of the text, on one line.")
    matched_by: ReplyMatch = strawberry.field(description="How the reply was tied to this email.")  # type: ignore[valid-type]
    automatic: bool = strawberry.field(description="An out-of-office or other automatic answer.")

    @classmethod
    def of(cls, row: replies.EmailReply) -> EmailReply:
        return cls(
            from_=row.from_address,
            received_at=row.received_at,
            subject=row.subject,
            text=row.text,
            snippet=row.snippet,
            matched_by=row.matched_by,
            automatic=row.automatic,
        )


@strawberry.type(description="An email's subject and bodies as written, merge fields unresolved.")
class EmailSource:
    subject: str = strawberry.field(
        description="The subject as written, merge fields not yet resolved."
    )
    body_html: str = strawberry.field(
        description="The HTML body as written, merge fields not yet resolved."
    )
    body_text: str = strawberry.field(
        description="The text body as written, merge fields not yet resolved."
    )


# Email fields read from the row column of the same meaning, when it was loaded (Email.of).
_COPIED = {
    "subject": "subject",
    "body_html": "body_html",
    "body_text": "body_text",
    "to": "to_addresses",
    "cc": "cc_addresses",
    "bcc": "bcc_addresses",
    "group_id": "group_id",
    "scheduled_at": "scheduled_at",
    "sent_at": "sent_at",
    "delivered_at": "delivered_at",
    "failed_at": "failed_at",
    "archived_at": "archived_at",
    "failure_code": "failure_code",
    "failure_detail": "failure_detail",
    "message_id": "message_id",
    "view_count": "view_count",
    "click_count": "click_count",
    "machine_view_count": "machine_view_count",
    "machine_click_count": "machine_click_count",
    "first_viewed_at": "first_viewed_at",
    "reply_count": "reply_count",
    "replied_at": "replied_at",
    "last_activity_at": "last_activity_at",
    "created_at": "created_at",
    "updated_at": "updated_at",
}
_COPIED_FIELDS, _COPIED_COLUMNS = tuple(_COPIED), tuple(_COPIED.values())


@strawberry.type(description="An outgoing sales email.")
class Email(Node):
    row: strawberry.Private[EmailRow]
    status: EmailStatus = strawberry.field(
        description="Where the email is in its life (the state machine in the README); "
        "`availableActions` says what may happen next."
    )
    folder: EmailFolder = strawberry.field(
        description="The folder its status belongs to (derived from `status`)."
    )
    subject: str = strawberry.field(
        description="Subject line. Once sent: exactly what the recipient got (merge "
        "fields resolved); see `source`."
    )
    body_html: str = strawberry.field(
        description="HTML body, as the recipient gets it once sent; may be empty when only "
        "text was written."
    )
    body_text: str = strawberry.field(
        description="Plain-text body (the text/plain part); may be empty when only HTML "
        "was written."
    )
    to: list[str] = strawberry.field(
        description="Recipient addresses; empty on a draft without a recipient."
    )
    cc: list[str] = strawberry.field(description="Carbon-copy addresses; empty when none.")
    bcc: list[str] = strawberry.field(
        description="Blind-copy addresses (visible to the sender's team only); empty when none."
    )
    bulk_kind: BulkKind = strawberry.field(
        description="Written to one person (SINGLE), or one copy of a Select & Send or Group send."
    )
    group_id: str | None = strawberry.field(description="Shared by the emails of one bulk send.")
    status_at: datetime = strawberry.field(
        description="The date that matters for the status: scheduled, delivered, failed…"
    )
    scheduled_at: datetime | None = strawberry.field(
        description="When it is (or was) due to be sent, UTC; null for drafts never scheduled."
    )
    sent_at: datetime | None = strawberry.field(
        description="When it was handed to SMTP (IN_PROGRESS began), UTC; null if never sent."
    )
    delivered_at: datetime | None = strawberry.field(
        description="When the recipient's server accepted it, UTC; null if not delivered."
    )
    failed_at: datetime | None = strawberry.field(
        description="When it failed, bounced or was reported as spam, UTC; null otherwise."
    )
    archived_at: datetime | None = strawberry.field(
        description="When the user archived it, UTC; null unless ARCHIVED."
    )
    failure_code: str | None = strawberry.field(
        description="Why it is UNDELIVERED, as a stable code (e.g. SMTP_REJECTED, "
        "SMTP_UNAVAILABLE); null otherwise."
    )
    failure_detail: str | None = strawberry.field(
        description="Human-readable detail of the failure (e.g. the SMTP server's "
        "answer); null when none."
    )
    message_id: str = strawberry.field(
        description="The RFC 5322 Message-ID it is (or will be) sent with, angle brackets "
        "included; replies are threaded on it."
    )
    view_count: int = strawberry.field(description="Opens by people (machine opens excluded).")
    click_count: int = strawberry.field(description="Clicks by people (scanner clicks excluded).")
    machine_view_count: int = strawberry.field(
        description="Likely machine opens: privacy proxies prefetching, scanners."
    )
    machine_click_count: int = strawberry.field(
        description="Likely machine clicks: link scanners following every link on arrival."
    )
    first_viewed_at: datetime | None = strawberry.field(description="The first human open.")
    reply_count: int = strawberry.field(description="Replies (automatic answers excluded).")
    replied_at: datetime | None = strawberry.field(description="The first reply.")
    last_activity_at: datetime | None = strawberry.field(
        description="The prospect's latest open, click, reply or unsubscribe."
    )
    version: int = strawberry.field(
        description="Pass it back in mutations to refuse edits based on a stale copy."
    )
    created_at: datetime = strawberry.field(description="When the email was created, UTC.")
    updated_at: datetime = strawberry.field(description="When anything about it last changed, UTC.")

    @classmethod
    def of(cls, row: EmailRow) -> Email:
        # Listings load only the columns their selection needs (graph/emails/columns.py);
        # the rest are never resolved, so a placeholder is safe. Data columns are plain instance
        # attributes (no class attribute or descriptor), so reading the instance dict is the
        # same as getattr(row, column, None), cheaper for 50 rows of 30 columns. The object is
        # filled in as its dataclass __init__ would (every field it takes, nothing else: tests
        # compare), without a call of 32 keyword arguments per row.
        email = cls.__new__(cls)
        state = email.__dict__
        state["id"] = to_global_id("Email", row.id)
        state["row"] = row
        state["status"] = row.status
        state["folder"] = row.folder
        state.update(zip(_COPIED_FIELDS, map(vars(row).get, _COPIED_COLUMNS), strict=True))
        state["bulk_kind"] = row.bulk_kind
        state["status_at"] = row.status_at
        state["version"] = row.version
        return email

    @strawberry.field(
        description="The text as written (merge fields unresolved) once the email was rendered "
        "for sending; null before. subject/bodyHtml/bodyText are then what the recipient got."
    )
    def source(self) -> EmailSource | None:
        get: Callable[[str], Any] = vars(self.row).get
        if get("source_subject") is None:
            return None
        return EmailSource(
            subject=get("source_subject"),
            body_html=get("source_body_html") or "",
            body_text=get("source_body_text") or "",
        )

    @strawberry.field(description="Replies received, oldest first (automatic answers included).")
    async def replies(self, info: Info) -> list[EmailReply]:
        rows = await info.context.loaders.email_replies.load(self.row.id)
        return [EmailReply.of(row) for row in rows if row.team_id == self.row.team_id]

    @strawberry.field(description="What the caller may do now, from the one state machine.")
    async def available_actions(self, info: Info) -> list[EmailAction]:
        actions = state_machine.available_actions(self.row)
        if EmailAction.RETRY in actions and await self._to_undeliverable(info):
            actions.remove(EmailAction.RETRY)  # retryEmail would answer RECIPIENT_BOUNCED
        return actions

    async def _to_undeliverable(self, info: Info) -> bool:
        """Whether a recipient is marked undeliverable (only asked of FAILED/BOUNCED emails, so
        listings of other folders pay nothing; a page's lookups are batched by the loaders)."""
        row = self.row
        if "to_addresses" not in vars(row):  # a partial listing row: read the whole email once
            row = await info.context.loaders.email.load(row.id) or row
        team = row.team_id
        loads = [info.context.loaders.bounced_address.load((team, a)) for a in recipients_of(row)]
        return any(found is not None and found.undeliverable for found in await gather(*loads))

    @strawberry.field(description="The sender.")
    async def owner(self, info: Info) -> User:
        user = await load_user(info, self.row.owner_id)
        assert user is not None
        return user

    @strawberry.field(description="The prospect it goes to.")
    async def person(self, info: Info) -> Person | None:
        if self.row.person_id is None:
            return None
        row = await info.context.loaders.person.load(self.row.person_id)
        return Person.of(row) if row is not None else None

    @strawberry.field(
        description="The campaign that sent it; null for emails outside campaigns or a "
        "campaign the caller may not see."
    )
    async def campaign(self, info: Info) -> Campaign | None:
        if self.row.campaign_id is None:
            return None
        row = await info.context.loaders.campaign.load(self.row.campaign_id)
        return Campaign.of(row) if row is not None else None

    @strawberry.field(description="The campaign step (1-based) that created it; null otherwise.")
    def campaign_step(self) -> int | None:
        return self.row.campaign_step

    @strawberry.field(description="The template it was written from, if the caller can see it.")
    async def template(self, info: Info) -> Template | None:
        if self.row.template_id is None:
            return None
        row = await info.context.loaders.template.load(self.row.template_id)
        viewer = info.context.user
        if row is None or row.team_id != viewer.team_id:
            return None
        return Template.of(row) if row.shared or row.owner_id == viewer.id else None

    @strawberry.field(
        description="Tasks following up on this email that the caller may see, soonest due first."
    )
    async def tasks(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated[Task, strawberry.lazy("graph.tasks.types")]]:
        from graph.tasks.types import Task
        from models.tasks.rules import may_see_task

        viewer = info.context.user
        # One query for the tasks of a whole page of emails (loader), paged here in memory.
        rows = await info.context.loaders.email_tasks.load(self.row.id)
        seen = [r for r in rows if may_see_task(viewer, r.team_id, {r.assignee_id})]

        async def page_of() -> Page[TaskRow]:
            return page_of_loaded(
                seen, TASKS_ORDER, first=first, after=after, last=last, before=before
            )

        page = await or_query_error(page_of)

        async def count() -> int:
            return len(seen)

        return Connection[Task].of(page, count, Task.of)

    @strawberry.field(
        description="The email's history, oldest first: every transition and engagement event "
        "(sent, delivered, viewed, clicked with the URL, replied, bounced, spam, archived…)."
    )
    async def events(
        self,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        kinds: Annotated[
            list[EmailEventKind] | None,
            strawberry.argument(description="Only these kinds of event; null for every kind."),
        ] = None,
    ) -> Connection[EmailEvent]:
        query = EmailEventRow.filter(email_id=self.row.id, team_id=self.row.team_id)
        if kinds is not None:
            query = query.filter(kind__in=[kind.value for kind in kinds])
        page = await or_query_error(
            lambda: paginate(
                query, EVENTS_ORDER, first=first, after=after, last=last, before=before
            )
        )
        return Connection[EmailEvent].of(page, query, EmailEvent.of)


@strawberry.type(description="How many emails sit in one status.")
class StatusCount:
    status: EmailStatus = strawberry.field(description="The status counted.")
    folder: EmailFolder = strawberry.field(description="The folder that status belongs to.")
    count: int = strawberry.field(description="How many emails are in that status.")


@strawberry.type(description="Email counts of every folder and status, for the caller's view.")
class FolderCounts:
    id: strawberry.ID = strawberry.field(
        description="Stable per set of counted emails (one teammate's, or the whole team's), "
        "identical in `folderCounts` and `folderCountsChanged`, so a normalised client cache "
        "(Apollo, urql Graphcache, Relay) updates the counts it holds from subscription events."
    )
    counts: strawberry.Private[folder_models.FolderCounts]

    @classmethod
    def of(
        cls, counts: folder_models.FolderCounts, viewer: UserRow, view_as_id: int | None
    ) -> FolderCounts:
        scope_key = folder_models.counts_scope(viewer, view_as_id)
        return cls(id=to_global_id("FolderCounts", scope_key), counts=counts)

    @strawberry.field(description="Emails in the SENT folder (DELIVERED + ARCHIVED).")
    def sent(self) -> int:
        return self.counts.folder(email_models.EmailFolder.SENT)

    @strawberry.field(description="Emails in the PENDING folder (SCHEDULED + DRAFT + IN_PROGRESS).")
    def pending(self) -> int:
        return self.counts.folder(email_models.EmailFolder.PENDING)

    @strawberry.field(description="Emails in the UNDELIVERED folder (FAILED + BOUNCED + SPAM).")
    def undelivered(self) -> int:
        return self.counts.folder(email_models.EmailFolder.UNDELIVERED)

    @strawberry.field(description="Every email, all folders together.")
    def total(self) -> int:
        return self.counts.total

    @strawberry.field(description="Every status with its count, in folder order.")
    def statuses(self) -> list[StatusCount]:
        return [
            StatusCount(status=status, folder=folder, count=self.counts.status(status))
            for folder, statuses in email_models.FOLDER_STATUSES.items()
            for status in statuses
        ]

    @strawberry.field(description="DELIVERED emails.")
    def delivered(self) -> int:
        return self.counts.status(email_models.EmailStatus.DELIVERED)

    @strawberry.field(description="ARCHIVED emails.")
    def archived(self) -> int:
        return self.counts.status(email_models.EmailStatus.ARCHIVED)

    @strawberry.field(description="SCHEDULED emails.")
    def scheduled(self) -> int:
        return self.counts.status(email_models.EmailStatus.SCHEDULED)

    @strawberry.field(description="DRAFT emails.")
    def drafts(self) -> int:
        return self.counts.status(email_models.EmailStatus.DRAFT)

    @strawberry.field(description="IN_PROGRESS emails (being sent right now).")
    def in_progress(self) -> int:
        return self.counts.status(email_models.EmailStatus.IN_PROGRESS)

    @strawberry.field(description="FAILED emails.")
    def failed(self) -> int:
        return self.counts.status(email_models.EmailStatus.FAILED)

    @strawberry.field(description="BOUNCED emails.")
    def bounced(self) -> int:
        return self.counts.status(email_models.EmailStatus.BOUNCED)

    @strawberry.field(description="SPAM emails.")
    def spam(self) -> int:
        return self.counts.status(email_models.EmailStatus.SPAM)
