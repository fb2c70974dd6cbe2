"""GraphQL types of bulk sends: the per-recipient outcome of `sendBulkEmail`."""

from __future__ import annotations

import strawberry

from graph.emails.types import Email
from graph.enums import describe_values
from graph.errors import UserError, user_errors
from graph.people.types import Person
from models.bulk import shapes as bulk

BulkRecipientStatus = strawberry.enum(
    bulk.RecipientStatus,
    name="BulkRecipientStatus",
    description="QUEUED: an email was scheduled. SKIPPED_*: no email, see userErrors.",
)

BulkSendKind = strawberry.enum(
    bulk.BulkSendKind,
    name="BulkSendKind",
    description="GROUP: one body, up to 1,000 people. "
    "SELECT_AND_SEND: up to 200 people, each email editable before it goes.",
)
R = bulk.RecipientStatus
describe_values(
    bulk.RecipientStatus,
    {
        R.QUEUED: "An email was created and scheduled for this person.",
        R.SKIPPED_UNSUBSCRIBED: "No email: the person has unsubscribed.",
        R.SKIPPED_DUPLICATE: "No email: the person was already listed in this send.",
        R.SKIPPED_MERGE_PROBLEM: "No email: a merge field or prompt could not be filled "
        "(see userErrors).",
        R.SKIPPED_BOUNCED: "No email: the address hard-bounced (marked undeliverable).",
    },
)
describe_values(
    bulk.BulkSendKind,
    {
        bulk.BulkSendKind.GROUP: "One body for everyone (merge fields filled per person), up to "
        "1,000 people.",
        bulk.BulkSendKind.SELECT_AND_SEND: "Up to 200 people, each email editable before it goes.",
    },
)


@strawberry.type(description="What happened for one requested person, in request order.")
class BulkRecipientResult:
    person: Person = strawberry.field(description="The person asked for.")
    email: Email | None = strawberry.field(description="The scheduled email, when QUEUED.")
    status: BulkRecipientStatus = strawberry.field(description="QUEUED, or why no email was made.")  # type: ignore[valid-type]
    user_errors: list[UserError] = strawberry.field(description="Why the person was skipped.")

    @classmethod
    def of(cls, result: bulk.RecipientResult) -> BulkRecipientResult:
        return cls(
            person=Person.of(result.person),
            email=Email.of(result.email) if result.email else None,
            status=result.status,
            user_errors=[e for error in result.errors for e in user_errors(error)],
        )


@strawberry.type(description="The bulk send, or the reasons it was refused (nothing created).")
class SendBulkEmailPayload:
    group_id: str | None = strawberry.field(
        description="Shared by every email of this send (filter emails by it)."
    )
    results: list[BulkRecipientResult] = strawberry.field(
        description="One entry per person asked for, in the order given: queued or why skipped."
    )
    queued_count: int = strawberry.field(description="How many emails were created and scheduled.")
    replayed: bool = strawberry.field(
        description="True when this answers an earlier request with the same idempotency key: "
        "nothing new was created."
    )
    user_errors: list[UserError] = strawberry.field(
        description="Why the whole request was refused, or why some people were skipped."
    )
