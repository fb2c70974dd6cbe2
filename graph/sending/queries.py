"""`sendingStatus`: whether sending runs or is paused by a relay outage, for dashboards ("sending
paused: mail server unreachable"). The relay state is the same for everyone; the counts are the
caller's emails (members) or their team's (admins)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from graph.context import Info
from graph.enums import describe_values
from models.sending import status
from models.sending.relay import RelayState

RelayStateEnum = strawberry.enum(
    RelayState, name="RelayState", description="Whether the SMTP relay takes mail."
)
describe_values(
    RelayState,
    {
        RelayState.UP: "The relay answers: due emails go out.",
        RelayState.DOWN: "The relay is unreachable or answers 4xx to everything: sending is "
        "paused, due emails stay SCHEDULED, and the relay is probed until it answers again.",
    },
)


@strawberry.type(description="Whether email is going out, and what waits while it is not.")
class SendingStatus:
    relay: RelayState = strawberry.field(description="The SMTP relay's state.")
    since: datetime | None = strawberry.field(
        description="When the relay entered this state, UTC; null: it has never been DOWN."
    )
    last_error: str | None = strawberry.field(
        description="While DOWN: what the last try or probe got, in words safe to show "
        '("The mail server refused the connection."); null while UP.'
    )
    next_probe_at: datetime | None = strawberry.field(
        description="While DOWN: when the relay is probed next, UTC (the wait doubles after "
        "each failed probe); null while UP."
    )
    paused_emails: int = strawberry.field(
        description="The caller's (admins: the team's) SCHEDULED emails already due and not "
        "sent yet: while DOWN, the emails waiting for the relay."
    )
    deferred_emails: int = strawberry.field(
        description="Of those, emails that got a temporary failure (failureCode SMTP_DEFERRED) "
        "and wait for their next try."
    )

    @classmethod
    def of(cls, found: status.SendingStatus) -> SendingStatus:
        return cls(
            relay=found.relay.state,
            since=found.relay.since,
            last_error=found.relay.last_error,
            next_probe_at=found.relay.next_probe_at,
            paused_emails=found.paused_emails,
            deferred_emails=found.deferred_emails,
        )


@strawberry.type
class SendingQueries:
    @strawberry.field(
        description="Whether sending runs or is paused by a relay outage, with what waits."
    )
    async def sending_status(self, info: Info) -> SendingStatus:
        return SendingStatus.of(await status.sending_status(info.context.user))
