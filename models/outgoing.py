"""What a claimed email becomes on the wire: rendered, checked, addressed, instrumented for
tracking (links, open pixel, List-Unsubscribe: models/tracking.py). No transport code.

`prepare` either returns the `Outgoing` message to hand to SMTP, or finishes the email as FAILED
(unsubscribed recipient, unresolved merge field, prompt not replaced) and returns None: a message
with a problem never leaves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from models import instrument, sending, tracking
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
    # Extra header fields (List-Unsubscribe…), in order; workers/mime.py copies them.
    headers: dict[str, str] = field(default_factory=dict)

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
    html, headers = await _tracked(claimed, rendered.html)
    return Outgoing(
        email_id=claimed.id,
        message_id=claimed.message_id,
        from_name=sender.name,
        from_address=sender.email,
        to=list(claimed.to_addresses),
        cc=list(claimed.cc_addresses),
        bcc=list(claimed.bcc_addresses),
        subject=rendered.subject,
        html=html,
        text=rendered.text,
        headers=headers,
    )


def _ours(url: str) -> bool:
    # Links already pointing at our tracking routes (an unsubscribe link) are not wrapped again.
    base = tracking.public_url("/")
    return url.startswith((base + "t/", base + "u/"))


async def _tracked(email: Email, html: str) -> tuple[str, dict[str, str]]:
    """Instrument the rendered HTML (click links, open pixel) and the unsubscribe headers.

    Every send gets List-Unsubscribe with one-click (RFC 8058): mailbox providers show their own
    unsubscribe button, and a recipient who uses it is never mailed again.
    """
    urls = instrument.tracked_urls(html, skip=_ours) if html else []
    tokens = await tracking.tokens_for(email, urls)
    if html:
        html = instrument.instrument(
            html,
            lambda url: tracking.click_url(tokens.clicks[url]) if url in tokens.clicks else None,
            tracking.open_url(tokens.open),
        )
    headers = {
        "List-Unsubscribe": f"<{tracking.unsubscribe_url(tokens.unsubscribe)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return html, headers
