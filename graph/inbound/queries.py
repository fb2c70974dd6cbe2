"""Inbound mail counts for the caller's team: what replies and reports did to their emails."""

from __future__ import annotations

import strawberry

from graph.context import Info
from models.inbound.tables import InboundOutcome, inbound_counts

InboundOutcomeEnum = strawberry.enum(
    InboundOutcome, name="InboundOutcome", description="What became of a received message."
)


@strawberry.type(description="A received-message outcome and how many messages had it.")
class InboundOutcomeCount:
    outcome: InboundOutcomeEnum  # type: ignore[valid-type]
    count: int


@strawberry.type(
    description="Messages received about the caller's emails (members) or team's (admins)."
)
class InboundStats:
    total: int
    outcomes: list[InboundOutcomeCount]

    @strawberry.field(description="Replies from a person (automatic answers excluded).")
    def replies(self) -> int:
        return self._count(InboundOutcome.REPLY)

    @strawberry.field(description="Permanent bounces.")
    def bounces(self) -> int:
        return self._count(InboundOutcome.BOUNCE_PERMANENT)

    @strawberry.field(description="Spam complaints.")
    def spam_complaints(self) -> int:
        return self._count(InboundOutcome.SPAM_COMPLAINT)

    def _count(self, outcome: InboundOutcome) -> int:
        return next((c.count for c in self.outcomes if c.outcome == outcome), 0)


@strawberry.type
class InboundQueries:
    @strawberry.field(description="Counts of received replies and reports, by outcome.")
    async def inbound_stats(self, info: Info) -> InboundStats:
        counts = await inbound_counts(info.context.user)
        outcomes = [InboundOutcomeCount(outcome=o, count=n) for o, n in counts.items()]
        return InboundStats(total=sum(counts.values()), outcomes=outcomes)
