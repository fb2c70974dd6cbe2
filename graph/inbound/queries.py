"""Inbound mail for the caller's team: what replies and reports did to their emails (counts), and
the log of those messages with what became of each and why (`detail`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from graph.context import Info
from graph.enums import describe_values
from graph.errors import or_query_error
from graph.relay import After, Before, Connection, First, Last, to_global_id
from models.base.pagination import paginate
from models.inbound import tables
from models.inbound.tables import InboundOutcome, inbound_counts

InboundOutcomeEnum = strawberry.enum(
    InboundOutcome, name="InboundOutcome", description="What became of a received message."
)
OUT = InboundOutcome
describe_values(
    InboundOutcome,
    {
        OUT.RECEIVED: "Stored, not processed yet (a sweep processes what a crash left behind).",
        OUT.REPLY: "A reply to one of our emails: recorded on it.",
        OUT.AUTO_REPLY: "An automatic answer (out of office…): recorded, not counted as a reply.",
        OUT.BOUNCE_PERMANENT: "A hard bounce: the email became BOUNCED, the address undeliverable.",
        OUT.BOUNCE_TEMPORARY: "A delivery delay: recorded, the email is unchanged.",
        OUT.SPAM_COMPLAINT: "A spam complaint (ARF): the email became SPAM.",
        OUT.UNMATCHED: "A valid message about none of our emails: changed nothing.",
        OUT.ERROR: "Processing failed: kept for inspection and logged.",
        OUT.UNVERIFIED: "A report that does not prove it is about our email (return path, "
        "token, recipient), or a null-sender message that is no report: changed nothing; "
        "`detail` says why.",
    },
)


@strawberry.type(description="A received-message outcome and how many messages had it.")
class InboundOutcomeCount:
    outcome: InboundOutcome = strawberry.field(description="The outcome counted.")
    count: int = strawberry.field(description="How many messages had it.")


@strawberry.type(
    description="Messages received about the caller's emails (members) or team's (admins)."
)
class InboundStats:
    total: int = strawberry.field(description="Messages received in all.")
    outcomes: list[InboundOutcomeCount] = strawberry.field(
        description="How many messages had each outcome (every outcome, zeros included)."
    )

    @strawberry.field(description="Replies from a person (automatic answers excluded).")
    def replies(self) -> int:
        return self._count(InboundOutcome.REPLY)

    @strawberry.field(description="Permanent bounces.")
    def bounces(self) -> int:
        return self._count(InboundOutcome.BOUNCE_PERMANENT)

    @strawberry.field(description="Messages that were spam complaints (SPAM_COMPLAINT).")
    def spam_complaints(self) -> int:
        return self._count(InboundOutcome.SPAM_COMPLAINT)

    def _count(self, outcome: InboundOutcome) -> int:
        return next((c.count for c in self.outcomes if c.outcome == outcome), 0)


@strawberry.type(
    description="A received reply or report about one of the caller's visible emails, and what "
    "became of it."
)
class InboundMessage:
    id: strawberry.ID = strawberry.field(description="The message's ID in the inbound log.")
    received_at: datetime = strawberry.field(description="When it arrived, UTC.")
    via: str = strawberry.field(description="SMTP or HTTP.")
    outcome: InboundOutcomeEnum = strawberry.field(description="What became of it.")  # type: ignore[valid-type]
    message_id: str = strawberry.field(description="The received message's own Message-ID.")
    from_address: str = strawberry.field(
        description="The header From address (empty when missing)."
    )
    subject: str = strawberry.field(description="Its subject (empty when missing).")
    size: int = strawberry.field(description="Its size in bytes.")
    detail: str = strawberry.field(
        description="What was done, or why nothing was (e.g. an UNVERIFIED report's reason)."
    )
    email_id: strawberry.ID | None = strawberry.field(description="The email it is about.")

    @classmethod
    def of(cls, row: tables.InboundMessage) -> InboundMessage:
        return cls(
            id=to_global_id("InboundMessage", row.id),
            received_at=row.received_at,
            via=row.via.value,
            outcome=row.outcome,
            message_id=row.message_id,
            from_address=row.from_address,
            subject=row.subject,
            size=row.size,
            detail=row.detail,
            email_id=None if row.email_id is None else to_global_id("Email", row.email_id),
        )


@strawberry.type
class InboundQueries:
    @strawberry.field(description="Counts of received replies and reports, by outcome.")
    async def inbound_stats(self, info: Info) -> InboundStats:
        counts = await inbound_counts(info.context.user)
        outcomes = [InboundOutcomeCount(outcome=o, count=n) for o, n in counts.items()]
        return InboundStats(total=sum(counts.values()), outcomes=outcomes)

    @strawberry.field(
        description="Received replies and reports about the caller's emails (members) or team's "
        "(admins), newest first, with what became of each and why."
    )
    async def inbound_messages(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        outcome: Annotated[
            InboundOutcome | None,
            strawberry.argument(description="Only messages with this outcome; null for all."),
        ] = None,
    ) -> Connection[InboundMessage]:
        viewer = info.context.user

        async def run() -> Connection[InboundMessage]:
            query = tables.visible_messages(viewer, outcome)
            page = await paginate(
                query, tables.LOG_ORDER, first=first, after=after, last=last, before=before
            )
            return Connection[InboundMessage].of(page, query, InboundMessage.of)

        return await or_query_error(run)
