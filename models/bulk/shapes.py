"""What a bulk send asks for and what it answers: plain data shared by the checks, the
idempotency record and the command (models/bulk/checks.py, requests.py, commands.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from models.base.errors import DomainError
from models.emails.tables import BulkKind, Email
from models.people.tables import Person


class BulkSendKind(StrEnum):
    """The kinds a user may ask for (BulkKind without SINGLE)."""

    GROUP = BulkKind.GROUP.value
    SELECT_AND_SEND = BulkKind.SELECT_AND_SEND.value


class RecipientStatus(StrEnum):
    QUEUED = "QUEUED"
    SKIPPED_UNSUBSCRIBED = "SKIPPED_UNSUBSCRIBED"
    SKIPPED_DUPLICATE = "SKIPPED_DUPLICATE"
    SKIPPED_MERGE_PROBLEM = "SKIPPED_MERGE_PROBLEM"
    SKIPPED_BOUNCED = "SKIPPED_BOUNCED"  # the address is marked undeliverable (hard bounce)


@dataclass
class Override:
    """Select & Send: one recipient's email, edited. `None` keeps the shared text."""

    person_id: int | None
    subject: str | None = None
    body_html: str | None = None
    body_text: str | None = None


@dataclass
class BulkSend:
    kind: BulkKind
    person_ids: list[int | None]  # None: an ID that is not a Person ID at all
    idempotency_key: str
    subject: str | None = None
    body_html: str | None = None
    body_text: str | None = None
    template_id: int | None = None
    campaign_id: int | None = None
    send_at: datetime | None = None
    overrides: list[Override] = field(default_factory=list)


@dataclass
class RecipientResult:
    person: Person
    status: RecipientStatus
    email: Email | None = None
    errors: list[DomainError] = field(default_factory=list)


@dataclass
class BulkOutcome:
    group_id: str
    results: list[RecipientResult]
    replayed: bool = False  # True: an earlier identical request's result; nothing was created
