"""What must hold before an email is accepted for sending, checked up front.

`scheduleEmail` and `sendEmailNow` refuse an email that could only fail: no recipient, a
recipient marked undeliverable (a hard bounce), or a merge field or prompt that does not resolve
for its recipient (the same rendering `previewEmail` shows). Every problem is reported at once,
each naming the part it is in. The send-time checks in models/sending/outgoing.py stay as the
safety net for what changes in between (a person edited, an address bounced meanwhile).
"""

from __future__ import annotations

from collections.abc import Iterable

from models.base.errors import DomainError, ErrorCode, ValidationErrors
from models.emails.tables import Email
from models.people import bounces
from models.people.tables import Person
from models.teams.tables import User
from models.templates import merge


def recipients_of(email: Email) -> list[str]:
    """Every lower-cased address the email goes to (to, cc, bcc)."""
    return [a.lower() for a in (*email.to_addresses, *email.cc_addresses, *email.bcc_addresses)]


async def undeliverable_problems(
    team_id: int, addresses: Iterable[str], field: str
) -> list[DomainError]:
    dead = await bounces.undeliverable(team_id, addresses)
    return [
        DomainError(
            ErrorCode.RECIPIENT_BOUNCED,
            f"{address} bounced and is marked undeliverable; correct the address or clear it "
            "on the person first.",
            field,
        )
        for address in sorted(dead)
    ]


async def check_deliverable(team_id: int, addresses: Iterable[str], field: str = "to") -> None:
    problems = await undeliverable_problems(team_id, addresses, field)
    if problems:
        raise ValidationErrors(problems)


async def check_sendable(email: Email) -> None:
    """Refuse, with every reason, an email that would fail at send time."""
    if not email.to_addresses:
        raise DomainError(
            ErrorCode.NO_RECIPIENT, "Add at least one recipient before sending.", "to"
        )
    problems = await undeliverable_problems(email.team_id, recipients_of(email), "to")
    person = (
        await Person.get_or_none(id=email.person_id, team_id=email.team_id)
        if email.person_id is not None
        else None
    )
    sender = await User.get(id=email.owner_id)  # rendered as it goes out: from its owner
    rendered = merge.render_email(email, person, sender)
    problems += [
        DomainError(ErrorCode(p.code), p.message, merge.PART_FIELDS.get(p.part, "subject"))
        for p in rendered.problems
    ]
    if problems:
        raise ValidationErrors(problems)
