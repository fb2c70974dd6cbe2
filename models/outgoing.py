"""What a claimed email becomes on the wire: rendered, checked, addressed. No transport code.

`prepare` either returns the `Outgoing` message to hand to SMTP, or finishes the email as FAILED
(unsubscribed recipient, unresolved merge field, prompt not replaced) and returns None: a message
with a problem never leaves.
"""

from __future__ import annotations

from dataclasses import dataclass

from models import sending
from models.email import Email
from models.person import Person
from models.sending import FailureCode
from models.team import User

_PROBLEM_TEXT = {
    "UNRESOLVED_MERGE_FIELD": "Merge field(s) with no value for this recipient",
    "PROMPT_NOT_REPLACED": "Prompt(s) not replaced before sending",
}


@dataclass(frozen=True)
class Outgoing:
    email_id: int
    message_id: str
    from_name: str
    from_address: str
    to: list[str]
    cc: list[str]
    bcc: list[str]
    subject: str
    html: str
    text: str

    @property
    def envelope_recipients(self) -> list[str]:
        return [*self.to, *self.cc, *self.bcc]


async def _unsubscribed(email: Email, person: Person | None) -> list[str]:
    """Recipients who unsubscribed: the email's person, or any teammate-known person by address."""
    addresses = {
        a.lower() for a in (*email.to_addresses, *email.cc_addresses, *email.bcc_addresses)
    }
    found: list[str] = await Person.filter(
        team_id=email.team_id, email__in=sorted(addresses), unsubscribed=True
    ).values_list("email", flat=True)  # type: ignore[assignment]
    if person is not None and person.unsubscribed and person.email not in found:
        found.append(person.email)
    return sorted(found)


async def prepare(claimed: Email) -> Outgoing | None:
    from models.merge import render_email  # the other half of issue 3; imported where used

    person = await Person.get_or_none(id=claimed.person_id) if claimed.person_id else None
    sender = await User.get(id=claimed.owner_id)
    recipients = [*claimed.to_addresses, *claimed.cc_addresses, *claimed.bcc_addresses]
    if not recipients:
        await sending.finish_failed(
            claimed, FailureCode.NO_RECIPIENT, "The email has no recipient."
        )
        return None
    unsubscribed = await _unsubscribed(claimed, person)
    if unsubscribed:
        detail = f"Unsubscribed, never sent to: {', '.join(unsubscribed)}."
        await sending.finish_failed(claimed, FailureCode.RECIPIENT_UNSUBSCRIBED, detail)
        return None
    rendered = render_email(claimed, person, sender)
    if rendered.problems:
        first = rendered.problems[0]
        named = ", ".join(sorted({p.field for p in rendered.problems if p.code == first.code}))
        detail = f"{_PROBLEM_TEXT.get(first.code, first.code)}: {named}."
        await sending.finish_failed(claimed, FailureCode(first.code), detail)
        return None
    return Outgoing(
        email_id=claimed.id,
        message_id=claimed.message_id,
        from_name=sender.name,
        from_address=sender.email,
        to=list(claimed.to_addresses),
        cc=list(claimed.cc_addresses),
        bcc=list(claimed.bcc_addresses),
        subject=rendered.subject,
        html=rendered.html,
        text=rendered.text,
    )
