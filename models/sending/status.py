"""What a dashboard shows about sending: the relay's state (models/sending/relay.py) and, for the
caller's emails (members: their own; admins: the team's), how many are due and waiting."""

from __future__ import annotations

from dataclasses import dataclass

from models.base import clock
from models.emails.tables import EmailStatus
from models.sending import relay
from models.sending.rules import FailureCode
from models.teams import scope
from models.teams.tables import User


@dataclass(frozen=True)
class SendingStatus:
    relay: relay.Snapshot
    paused_emails: int  # due SCHEDULED emails not sent yet (all of them wait while DOWN)
    deferred_emails: int  # SCHEDULED again after a temporary failure, waiting for their retry


async def sending_status(viewer: User) -> SendingStatus:
    state = await relay.current_state()
    # A SCHEDULED email's status date is its send time: the team's listing index counts it.
    due = scope.visible_emails(viewer).filter(
        status=EmailStatus.SCHEDULED, status_at__lte=clock.now()
    )
    paused = await due.count()
    deferred = await due.filter(failure_code=FailureCode.SMTP_DEFERRED.value).count()
    return SendingStatus(state, paused, deferred)
