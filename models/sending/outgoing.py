"""What a claimed email becomes on the wire: rendered, checked, addressed, instrumented for
tracking (links, open pixel, List-Unsubscribe: models/engagement/tracking.py). No transport code.

`prepare` either returns the `Outgoing` message to hand to SMTP, or finishes the email as FAILED
(unsubscribed recipient, unresolved merge field, prompt not replaced) and returns None: a message
with a problem never leaves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from models.emails.tables import Email
from models.engagement import instrument, tracking
from models.inbound import verp
from models.people.bounces import BouncedAddress
from models.people.tables import Person
from models.sending import batch_sql
from models.sending import rules as sending
from models.sending.rules import FailureCode
from models.teams.tables import User

if TYPE_CHECKING:
    from models.templates.merge import RenderResult

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


@dataclass(frozen=True)
class _Context:
    """What composing a batch of emails needs, loaded with one query per kind."""

    senders: dict[int, User]
    people: dict[int, Person]
    unsubscribed: set[tuple[int, str]]  # (team_id, lower-cased address)
    bounced: set[tuple[int, str]]  # (team_id, lower-cased address) marked undeliverable


async def _context(claimed: Sequence[Email]) -> _Context:
    senders = {u.id: u for u in await User.filter(id__in={e.owner_id for e in claimed})}
    person_ids = {e.person_id for e in claimed if e.person_id is not None}
    people = {p.id: p for p in await Person.filter(id__in=person_ids)} if person_ids else {}
    addresses = {a.lower() for e in claimed for a in _recipients(e)}
    teams = {e.team_id for e in claimed}
    found = await Person.filter(
        team_id__in=teams, email__in=sorted(addresses), unsubscribed=True
    ).values_list("team_id", "email")
    dead = await BouncedAddress.filter(
        team_id__in=teams, address__in=sorted(addresses), undeliverable_since__isnull=False
    ).values_list("team_id", "address")
    return _Context(
        senders,
        people,
        {(team, address) for team, address in found},
        {(team, address) for team, address in dead},
    )


def _recipients(email: Email) -> list[str]:
    return [*email.to_addresses, *email.cc_addresses, *email.bcc_addresses]


def _unsubscribed(email: Email, person: Person | None, context: _Context) -> list[str]:
    """Recipients who unsubscribed: the email's person, or any teammate-known person by address."""
    found = {
        a.lower() for a in _recipients(email) if (email.team_id, a.lower()) in context.unsubscribed
    }
    if person is not None and person.unsubscribed:
        found.add(person.email)
    return sorted(found)


async def prepare(claimed: Email) -> Outgoing | None:
    return (await prepare_batch([claimed]))[0]


async def prepare_batch(claimed: Sequence[Email]) -> list[Outgoing | None]:
    """`prepare` for many claimed emails, in order: None for each one finished as FAILED.
    Lookups and tracking tokens take one query per kind for the whole batch."""
    context = await _context(claimed)
    checked = [await _checked(email, context) for email in claimed]
    ready = [item for item in checked if item is not None]
    await _store_rendered(ready)
    urls = [
        instrument.tracked_urls(rendered.html, skip=_ours) if rendered.html else []
        for _, _, rendered in ready
    ]
    tokens = iter(await tracking.tokens_for_batch([e for e, _, _ in ready], urls))
    return [None if item is None else _composed(*item, next(tokens)) for item in checked]


async def _checked(claimed: Email, context: _Context) -> tuple[Email, User, RenderResult] | None:
    """The email rendered for its recipient, or None once finished as FAILED (never sent)."""
    from models.templates.merge import (
        render_email,  # the other half of issue 3; imported where used
    )

    person = context.people.get(claimed.person_id) if claimed.person_id else None
    sender = context.senders[claimed.owner_id]
    if not _recipients(claimed):
        await sending.finish_failed(
            claimed, FailureCode.NO_RECIPIENT, "The email has no recipient."
        )
        return None
    unsendable = [a for a in _recipients(claimed) if not a.isascii()]
    if unsendable:
        # Written as an encoded word, such an address is invalid; refused up front since h13c.
        detail = f"Needs SMTPUTF8 (not supported), never sent to: {', '.join(unsendable)}."
        await sending.finish_failed(claimed, FailureCode.RECIPIENT_NOT_ASCII, detail)
        return None
    unsubscribed = _unsubscribed(claimed, person, context)
    if unsubscribed:
        detail = f"Unsubscribed, never sent to: {', '.join(unsubscribed)}."
        await sending.finish_failed(claimed, FailureCode.RECIPIENT_UNSUBSCRIBED, detail)
        return None
    bounced = sorted(
        {a.lower() for a in _recipients(claimed) if (claimed.team_id, a.lower()) in context.bounced}
    )
    if bounced:
        detail = f"Undeliverable (bounced before), never sent to: {', '.join(bounced)}."
        await sending.finish_failed(claimed, FailureCode.RECIPIENT_BOUNCED, detail)
        return None
    rendered = render_email(claimed, person, sender)
    if rendered.problems:
        first = rendered.problems[0]
        named = ", ".join(sorted({p.field for p in rendered.problems if p.code == first.code}))
        detail = f"{_PROBLEM_TEXT.get(first.code, first.code)}: {named}."
        await sending.finish_failed(claimed, FailureCode(first.code), detail)
        return None
    return claimed, sender, rendered


async def _store_rendered(ready: Sequence[tuple[Email, User, RenderResult]]) -> None:
    """From now on the email's subject and bodies are what its recipient gets: folders, search,
    follow-up titles and live updates show that, not merge tags. Tracking (links, pixel) is
    added to the message only, so the stored body stays the one the rep wrote, filled in."""
    if not ready:
        return
    async with in_transaction() as conn:
        await batch_sql.store_rendered(
            conn, [(e.id, r.subject, r.html, r.text) for e, _, r in ready]
        )
    for email, _, rendered in ready:
        if email.source_subject is None:
            email.source_subject = email.subject
            email.source_body_html = email.body_html
            email.source_body_text = email.body_text
        email.subject, email.body_html, email.body_text = (
            rendered.subject,
            rendered.html,
            rendered.text,
        )


def _composed(
    claimed: Email, sender: User, rendered: RenderResult, tokens: tracking.EmailTokens
) -> Outgoing:
    html, headers = _tracked(rendered.html, tokens)
    if claimed.in_reply_to:
        # A campaign step sent as a reply in the previous step's thread.
        headers["In-Reply-To"] = claimed.in_reply_to
        headers["References"] = claimed.thread_references or claimed.in_reply_to
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
        headers=_signed(claimed, sender, headers),
    )


def _signed(claimed: Email, sender: User, headers: dict[str, str]) -> dict[str, str]:
    """The signed report token (a spam complaint quoting it proves which email it is about) and,
    with CC_REPLY_DOMAIN, a Reply-To of the sender AND the email's own reply address: replies
    still reach the rep's mailbox, and match their email even without threading headers."""
    signed = {**headers, verp.TOKEN_HEADER: verp.report_token(claimed.id)}
    reply_to = verp.reply_address(claimed.id)
    if reply_to is not None:
        signed["Reply-To"] = f"{sender.email}, {reply_to}"
    return signed


def _ours(url: str) -> bool:
    # Links already pointing at our tracking routes (an unsubscribe link) are not wrapped again.
    base = tracking.public_url("/")
    return url.startswith((base + "t/", base + "u/"))


def _tracked(html: str, tokens: tracking.EmailTokens) -> tuple[str, dict[str, str]]:
    """Instrument the rendered HTML (click links, open pixel) and the unsubscribe headers.

    Every send gets List-Unsubscribe with one-click (RFC 8058): mailbox providers show their own
    unsubscribe button, and a recipient who uses it is never mailed again.
    """
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
