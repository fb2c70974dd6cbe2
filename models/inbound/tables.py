"""Every message received by the inbound listener or endpoint, with what became of it.

One row per received Message-ID: a second delivery of the same message finds the row and changes
nothing (idempotence lives in the unique `message_id`). A row is written RECEIVED with the whole
message as soon as it arrives, then processed off the event loop (models.inbound.processing).
Unmatched, unverified and failed messages keep their raw bytes (capped) so an operator can see
what came in and why it was not used; matched ones drop them.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.functions import Count
from tortoise.indexes import Index
from tortoise.models import Model
from tortoise.queryset import QuerySet

from models.base.pagination import Order
from models.teams.tables import User

# Raw bytes kept for UNMATCHED / ERROR rows (inspection only: the message may be larger).
RAW_KEEP_BYTES = 256 * 1024


class InboundVia(StrEnum):
    SMTP = "SMTP"
    HTTP = "HTTP"


class InboundOutcome(StrEnum):
    RECEIVED = "RECEIVED"  # stored, not processed yet (a sweep picks up what a crash left)
    REPLY = "REPLY"
    AUTO_REPLY = "AUTO_REPLY"  # out-of-office and other automatic answers: recorded, not counted
    BOUNCE_PERMANENT = "BOUNCE_PERMANENT"
    BOUNCE_TEMPORARY = "BOUNCE_TEMPORARY"
    SPAM_COMPLAINT = "SPAM_COMPLAINT"
    UNMATCHED = "UNMATCHED"  # a valid message about none of our emails
    ERROR = "ERROR"  # processing raised: kept for inspection, logged
    # A report that does not prove it is about our email (VERP, token, recipient), or a
    # null-sender message that is no report: changes nothing; `detail` says why.
    UNVERIFIED = "UNVERIFIED"


# Outcomes whose rows are kept only for inspection, under the retention limits.
UNUSED_OUTCOMES = (InboundOutcome.UNMATCHED, InboundOutcome.UNVERIFIED)


class InboundMessage(Model):
    id = fields.BigIntField(primary_key=True)
    received_at = fields.DatetimeField()
    via = fields.CharEnumField(InboundVia, max_length=8)
    outcome = fields.CharEnumField(InboundOutcome, max_length=24)
    # The matched email's team and id (no FK: the record outlives a deleted email).
    team_id = fields.IntField(null=True)
    email_id = fields.IntField(null=True)
    owner_id = fields.IntField(null=True)  # the email's owner: members count their own
    # The received message's own Message-ID (or a digest of its bytes when it has none).
    message_id = fields.CharField(max_length=255, unique=True)
    from_address = fields.CharField(max_length=320, default="")
    subject = fields.CharField(max_length=998, default="")
    size = fields.IntField(default=0)
    detail = fields.TextField(default="")
    raw_bytes = fields.BinaryField(null=True)
    # The SMTP envelope (POST /inbound: the X-CC-Envelope-From / X-CC-Envelope-To headers):
    # reports are verified against the recipient, "" is the null sender, None unknown.
    envelope_from = fields.CharField(max_length=320, null=True)
    envelope_to = fields.TextField(default="")  # recipients, one per line
    # While set and in the future, a processor owns the RECEIVED row.
    claimed_until = fields.DatetimeField(null=True)

    class Meta:
        table = "inbound_message"
        indexes = (
            Index(fields=("team_id", "outcome")),
            Index(fields=("team_id", "owner_id", "outcome")),
            Index(fields=("outcome", "received_at")),
            Index(fields=("team_id", "received_at", "id")),  # the team's inbound log
        )


# The inbound log, newest first (keyset pagination: models.base.pagination).
LOG_ORDER = Order("received_at", descending=True)


def visible_messages(
    viewer: User, outcome: InboundOutcome | None = None
) -> QuerySet[InboundMessage]:
    """Received messages about the caller's emails (members) or team's (admins). Unmatched and
    failed messages belong to no team: operators see them with the CLI."""
    query = InboundMessage.filter(team_id=viewer.team_id)
    if not viewer.sees_whole_team:
        query = query.filter(owner_id=viewer.id)
    return query if outcome is None else query.filter(outcome=outcome)


async def inbound_counts(viewer: User) -> dict[InboundOutcome, int]:
    """Received messages by outcome for the caller's emails (members) or team (admins)."""
    query = visible_messages(viewer)
    rows = await query.annotate(n=Count("id")).group_by("outcome").values_list("outcome", "n")
    counts = dict.fromkeys(InboundOutcome, 0)
    for outcome, n in rows:
        counts[InboundOutcome(outcome)] = int(n)
    return counts
